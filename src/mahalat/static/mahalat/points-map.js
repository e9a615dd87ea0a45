/* A read-only map of a list's reports over the neighborhood outlines; the list stays the main view. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("points-map");
    if (!box || typeof L === "undefined") { return; }
    var outlines = JSON.parse(document.getElementById("map-outlines").textContent);
    var points = JSON.parse(document.getElementById("map-points").textContent);
    box.hidden = false;
    var map = L.map(box);
    map.attributionControl.setPrefix("Leaflet");
    var tiles = box.getAttribute("data-tiles");
    if (tiles) { L.tileLayer(tiles, { maxZoom: 19 }).addTo(map); }
    // Leaflet needs a view before vector layers are added to the map.
    var layer = L.geoJSON(outlines, { style: { color: "#0f5132", weight: 1, fillOpacity: 0.05 } });
    var bounds = layer.getBounds();
    points.forEach(function (p) { bounds.extend([p.lat, p.lng]); });
    if (bounds.isValid()) { map.fitBounds(bounds); } else { map.setView([35.7, 51.4], 12); }
    layer.addTo(map);
    points.forEach(function (p) {
      var a = document.createElement("a");
      a.href = p.url;
      a.textContent = p.code + " — " + p.state;
      L.circleMarker([p.lat, p.lng], { radius: 6, color: "#b02a37" }).bindPopup(a).addTo(map);
    });
  });
})();
