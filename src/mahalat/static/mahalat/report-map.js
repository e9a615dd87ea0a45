/* The report form's map: draw the neighborhoods (no tiles needed), drop a pin by tapping, or use the
   phone's location; the pin fills the latitude and longitude fields, which work without JavaScript. */
(function () {
  "use strict";
  function ready(fn) { if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); } }
  ready(function () {
    var box = document.getElementById("report-map");
    if (!box || typeof L === "undefined") { return; }
    var lat = document.getElementById("id_lat");
    var lng = document.getElementById("id_lng");
    var outlines = JSON.parse(document.getElementById("map-outlines").textContent);
    var tiles = box.getAttribute("data-tiles");
    box.hidden = false;
    var map = L.map(box, { zoomSnap: 0.25 });
    box.mahalatMap = map; // for scripts driving the page (and its browser tests)
    map.attributionControl.setPrefix("Leaflet");
    if (tiles) { L.tileLayer(tiles, { maxZoom: 19 }).addTo(map); }
    var layer = L.geoJSON(outlines, {
      style: { color: "#0f5132", weight: 1, fillOpacity: 0.08 },
      onEachFeature: function (feature, shape) { shape.bindTooltip(feature.properties.name); }
    }).addTo(map);
    if (layer.getBounds().isValid()) { map.fitBounds(layer.getBounds()); } else { map.setView([35.7, 51.4], 12); }
    var marker = null;
    function place(latlng) {
      lat.value = latlng.lat.toFixed(6);
      lng.value = latlng.lng.toFixed(6);
      if (marker) { marker.setLatLng(latlng); } else { marker = L.marker(latlng, { keyboard: true }).addTo(map); }
    }
    if (lat.value && lng.value) {
      // A starting point (from a neighborhood's page or a returned form): open the map there.
      var start = L.latLng(parseFloat(lat.value), parseFloat(lng.value));
      place(start);
      map.setView(start, 16);
    }
    map.on("click", function (event) { place(event.latlng); });
    layer.on("click", function (event) { place(event.latlng); });
    var here = document.getElementById("use-my-location");
    if (here && navigator.geolocation) {
      here.hidden = false;
      here.addEventListener("click", function () {
        navigator.geolocation.getCurrentPosition(function (position) {
          var point = L.latLng(position.coords.latitude, position.coords.longitude);
          place(point);
          map.setView(point, 17);
        });
      });
    }
    // Show only the chosen subject's extra questions.
    var category = document.getElementById("id_category");
    function questions() {
      document.querySelectorAll("[data-question-for]").forEach(function (el) {
        el.hidden = el.getAttribute("data-question-for") !== category.value;
      });
    }
    if (category) { category.addEventListener("change", questions); questions(); }
    // A suggested subject (from the description) is chosen with one tap.
    document.addEventListener("click", function (event) {
      var button = event.target.closest("[data-suggested-category]");
      if (!button || !category) { return; }
      category.value = button.getAttribute("data-suggested-category");
      category.dispatchEvent(new Event("change"));
    });
  });
})();
