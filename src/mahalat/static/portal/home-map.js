/* The home and district pages, enhanced: the neighborhoods map (each outline opens its neighborhood's
   page; the list of districts and neighborhoods stays the alternative) and the "use my location" button
   (shown only where the browser can tell where it is; it goes to /find/?lat=…&lng=…). */
(function () {
  "use strict";

  function setUpLocationButton() {
    var button = document.getElementById("find-by-location");
    if (!button || !("geolocation" in navigator)) { return; }
    var status = document.getElementById("find-by-location-status");
    button.hidden = false;
    button.addEventListener("click", function () {
      button.disabled = true;
      if (status) { status.textContent = button.getAttribute("data-waiting"); }
      navigator.geolocation.getCurrentPosition(function (position) {
        var lat = position.coords.latitude.toFixed(6);
        var lng = position.coords.longitude.toFixed(6);
        window.location.assign(button.getAttribute("data-find-url") + "?lat=" + lat + "&lng=" + lng);
      }, function () {
        button.disabled = false;
        if (status) { status.textContent = button.getAttribute("data-denied"); }
      }, { enableHighAccuracy: false, timeout: 15000, maximumAge: 300000 });
    });
  }

  function setUpMap() {
    var box = document.getElementById("city-map");
    if (!box || typeof L === "undefined" || !window.fetch) { return; }
    var english = (document.documentElement.lang || "fa").indexOf("en") === 0;
    var district = box.getAttribute("data-district");
    var pageOf = box.getAttribute("data-neighborhood-url");
    fetch(box.getAttribute("data-geojson"), { credentials: "omit" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data || !data.features) { return; }
        var features = data.features.filter(function (f) {
          return !district || (f.properties && f.properties.district === district);
        });
        if (!features.length) { return; }
        box.hidden = false;
        var map = L.map(box, { scrollWheelZoom: false });
        map.attributionControl.setPrefix("Leaflet");
        var tiles = box.getAttribute("data-tiles");
        if (tiles) { L.tileLayer(tiles, { maxZoom: 19 }).addTo(map); }
        var layer = L.geoJSON({ type: "FeatureCollection", features: features }, {
          style: { color: "#0f5132", weight: 1, fillOpacity: 0.12 },
          onEachFeature: function (feature, shape) {
            var p = feature.properties || {};
            var name = (english && p.name_en) || p.name || p.slug;
            shape.bindTooltip(name, { sticky: true });
            shape.on("click", function () { window.location.assign(pageOf.replace("the-slug", encodeURIComponent(p.slug))); });
            shape.on("mouseover", function () { shape.setStyle({ fillOpacity: 0.35 }); });
            shape.on("mouseout", function () { shape.setStyle({ fillOpacity: 0.12 }); });
          }
        }).addTo(map);
        map.fitBounds(layer.getBounds());
      })
      .catch(function () { box.hidden = true; });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpLocationButton();
    setUpMap();
  });
})();
