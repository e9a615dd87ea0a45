/* The trend chart: the indicator's value per month with the target as a dashed line; the table under
   the chart carries the same numbers. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var source = document.getElementById("trend-data");
    var canvas = document.getElementById("trend-chart");
    if (!source || !canvas || typeof Chart === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    var rtl = document.documentElement.dir === "rtl";
    Chart.defaults.font.family = "Vazirmatn, system-ui, sans-serif";
    var datasets = [{
      label: data.value_label,
      data: data.values,
      borderColor: "#198754",
      backgroundColor: "#198754",
      spanGaps: false,
      tension: 0.2
    }];
    if (data.target !== null && data.target !== undefined) {
      datasets.push({
        label: data.target_label,
        data: data.labels.map(function () { return data.target; }),
        borderColor: "#6c757d",
        borderDash: [6, 4],
        pointRadius: 0,
        fill: false
      });
    }
    new Chart(canvas, {
      type: "line",
      data: { labels: data.labels, datasets: datasets },
      options: {
        maintainAspectRatio: false,
        locale: rtl ? "fa-IR" : "en",
        plugins: { legend: { rtl: rtl }, tooltip: { rtl: rtl } },
        scales: { x: { reverse: rtl }, y: { position: rtl ? "right" : "left", beginAtZero: true } }
      }
    });
  });
})();
