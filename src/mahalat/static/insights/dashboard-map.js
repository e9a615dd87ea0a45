/* The dashboard's choropleth: places coloured by status against the target, or by the fifth of the
   values they fall in when there is no target. The table under the map carries the same values. */
(function () {
  "use strict";
  var STATUS = { green: "#198754", amber: "#ffc107", red: "#dc3545", none: "#adb5bd", small: "#adb5bd" };
  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("dashboard-map");
    var source = document.getElementById("map-features");
    if (!box || !source || typeof L === "undefined") { return; }
    var features = JSON.parse(source.textContent);
    if (!features.length) { return; }
    var rtl = document.documentElement.dir === "rtl";
    var digits = new Intl.NumberFormat(rtl ? "fa-IR" : "en", { maximumFractionDigits: 1 });
    box.hidden = false;
    var map = L.map(box);
    map.attributionControl.setPrefix("Leaflet");
    var tiles = box.getAttribute("data-tiles");
    if (tiles) { L.tileLayer(tiles, { maxZoom: 19 }).addTo(map); }
    function colour(p) { return p.color || STATUS[p.status] || STATUS.none; }
    var layer = L.geoJSON({ type: "FeatureCollection", features: features }, {
      style: function (f) {
        return { color: "#343a40", weight: 1, fillColor: colour(f.properties), fillOpacity: 0.7 };
      },
      onEachFeature: function (f, shape) {
        var p = f.properties;
        var value = p.value === "" || p.value === null ? "—" : (typeof p.value === "number" ? digits.format(p.value) : p.value);
        var text = document.createElement("div");
        var name = document.createElement("strong");
        name.textContent = p.name;
        text.appendChild(name);
        text.appendChild(document.createElement("br"));
        text.appendChild(document.createTextNode(value + " — " + p.word));
        shape.bindPopup(text);
      }
    }).addTo(map);
    if (layer.getBounds().isValid()) { map.fitBounds(layer.getBounds()); }
  });
})();
