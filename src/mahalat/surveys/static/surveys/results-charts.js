/* Bar charts of a survey's results; the table under each chart carries the same numbers. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var source = document.getElementById("survey-charts");
    if (!source || typeof Chart === "undefined") { return; }
    var rtl = document.documentElement.dir === "rtl";
    var digits = rtl ? new Intl.NumberFormat("fa-IR") : new Intl.NumberFormat("en");
    Chart.defaults.font.family = "Vazirmatn, system-ui, sans-serif";
    JSON.parse(source.textContent).forEach(function (chart) {
      var canvas = document.getElementById(chart.id);
      if (!canvas) { return; }
      new Chart(canvas, {
        type: "bar",
        data: {
          labels: chart.labels.map(function (label) { return /^[0-9]+$/.test(label) ? digits.format(+label) : label; }),
          datasets: [{ data: chart.counts, backgroundColor: "#198754" }]
        },
        options: {
          indexAxis: "y",
          maintainAspectRatio: false,
          locale: rtl ? "fa-IR" : "en",
          plugins: { legend: { display: false }, tooltip: { rtl: rtl } },
          scales: {
            x: { beginAtZero: true, reverse: rtl, ticks: { precision: 0 } },
            y: { position: rtl ? "right" : "left" }
          }
        }
      });
    });
  });
})();
