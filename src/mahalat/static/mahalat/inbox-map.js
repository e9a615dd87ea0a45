/* The staff inbox's map: the page's reports as markers over the neighborhood outlines.
 *
 * Data comes from <script type="application/json" id="inbox-map-data"> (json_script), so no inline
 * script is needed (the CSP is script-src 'self'). There are no map tiles unless the MAP_TILE_URL
 * setting names a tile server: the outlines drawn from the embedded GeoJSON are the background, and
 * the map makes no network requests of its own. The list on the page works without this script.
 */
(function () {
  "use strict";

  var COLORS = {
    overdue: "#b02a37",
    submitted: "#997404",
    triaged: "#087990",
    in_progress: "#0a58ca",
    referred: "#0a58ca",
    reopened: "#b02a37",
    resolved: "#146c43",
    other: "#495057"
  };

  function popup(report, labels) {
    var box = document.createElement("div");
    box.setAttribute("dir", document.documentElement.getAttribute("dir") || "rtl");
    var title = document.createElement("strong");
    title.textContent = report.category;
    box.appendChild(title);
    var meta = document.createElement("div");
    meta.textContent = report.neighborhood + " · " + report.state_label;
    box.appendChild(meta);
    if (report.time_left) {
      var left = document.createElement("div");
      left.textContent = report.time_left;
      if (report.overdue) { left.style.color = COLORS.overdue; }
      box.appendChild(left);
    }
    var link = document.createElement("a");
    link.href = report.url;
    var code = document.createElement("bdi");
    code.setAttribute("dir", "ltr");
    code.textContent = report.code;
    link.appendChild(document.createTextNode(labels.open + " "));
    link.appendChild(code);
    box.appendChild(link);
    return box;
  }

  function draw(container, data) {
    var map = L.map(container, { zoomSnap: 0.25, attributionControl: Boolean(data.tile_url) });
    if (data.tile_url) {
      L.tileLayer(data.tile_url, { maxZoom: 19 }).addTo(map);
    }
    var outlines = L.geoJSON(data.outlines, {
      style: { color: "#0f5132", weight: 1.5, fillColor: "#0f5132", fillOpacity: 0.06 },
      onEachFeature: function (feature, layer) {
        if (feature.properties && feature.properties.name) {
          layer.bindTooltip(feature.properties.name, { sticky: true, direction: "top" });
        }
      }
    }).addTo(map);
    var markers = L.featureGroup();
    (data.reports || []).forEach(function (report) {
      if (typeof report.lat !== "number" || typeof report.lng !== "number") { return; }
      var color = report.overdue ? COLORS.overdue : (COLORS[report.state] || COLORS.other);
      L.circleMarker([report.lat, report.lng], {
        radius: report.overdue ? 8 : 7,
        color: "#fff",
        weight: 2,
        fillColor: color,
        fillOpacity: 0.95
      }).bindPopup(popup(report, data.labels || {})).addTo(markers);
    });
    markers.addTo(map);
    // The whole scope drawn, and every marker in view.
    var bounds = L.latLngBounds([]);
    if (outlines.getBounds().isValid()) { bounds.extend(outlines.getBounds()); }
    if (markers.getLayers().length) { bounds.extend(markers.getBounds()); }
    if (bounds.isValid()) {
      map.fitBounds(bounds.pad(0.08), { maxZoom: 17 });
    } else {
      map.setView([35.7, 51.4], 11);
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var container = document.getElementById("inbox-map");
    var source = document.getElementById("inbox-map-data");
    if (!container || !source || typeof L === "undefined") { return; }
    var data;
    try {
      data = JSON.parse(source.textContent);
    } catch (e) {
      return;
    }
    // Leaflet's panes and controls assume left-to-right layout; the popups set their own direction.
    container.setAttribute("dir", "ltr");
    draw(container, data);
  });
})();
