/* The city in numbers: each chart is drawn from the table under it (the table is the truth; without
   JavaScript the page shows the tables alone). A cell's number is in its data-value attribute; an
   empty one (no value, or too few cases) leaves a gap. */
(function () {
  "use strict";
  var COLORS = { bar: "#198754", city: "#0d6efd", line: "#198754" };

  function rowsOf(table) {
    var rows = [];
    table.querySelectorAll("tbody tr").forEach(function (tr) {
      var head = tr.querySelector("th");
      var cell = tr.querySelector("td[data-value]");
      if (!head || !cell) { return; }
      var raw = cell.getAttribute("data-value");
      rows.push({
        label: head.textContent.trim(),
        value: raw === "" ? null : Number(raw),
        city: tr.hasAttribute("data-city")
      });
    });
    return rows;
  }

  function draw(canvas, table, rtl) {
    var rows = rowsOf(table);
    if (!rows.length) { return; }
    var kind = table.getAttribute("data-chart") === "line" ? "line" : "bar";
    var dataset = {
      label: table.getAttribute("data-label") || "",
      data: rows.map(function (r) { return r.value; }),
      spanGaps: false
    };
    if (kind === "bar") {
      dataset.backgroundColor = rows.map(function (r) { return r.city ? COLORS.city : COLORS.bar; });
    } else {
      dataset.borderColor = COLORS.line;
      dataset.backgroundColor = COLORS.line;
      dataset.tension = 0.2;
    }
    canvas.parentElement.hidden = false;
    new Chart(canvas, {
      type: kind,
      data: { labels: rows.map(function (r) { return r.label; }), datasets: [dataset] },
      options: {
        maintainAspectRatio: false,
        locale: rtl ? "fa-IR" : "en",
        plugins: { legend: { display: false }, tooltip: { rtl: rtl } },
        scales: { x: { reverse: rtl }, y: { position: rtl ? "right" : "left", beginAtZero: true } }
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (typeof Chart === "undefined") { return; }
    var rtl = document.documentElement.dir === "rtl";
    Chart.defaults.font.family = "Vazirmatn, system-ui, sans-serif";
    document.querySelectorAll("canvas[data-chart-of]").forEach(function (canvas) {
      var table = document.getElementById(canvas.getAttribute("data-chart-of"));
      if (table) { draw(canvas, table, rtl); }
    });
  });
})();
