// The managers' dashboard charts. No inline script (strict CSP): each <canvas data-chart-source="id">
// reads its data from the json_script element of that id; the table beside it gives the same figures.
(function () {
  "use strict";
  function draw() {
    if (typeof window.Chart === "undefined") {
      return;
    }
    document.querySelectorAll("canvas[data-chart-source]").forEach(function (canvas) {
      var source = document.getElementById(canvas.dataset.chartSource);
      if (!source) {
        return;
      }
      var spec = JSON.parse(source.textContent);
      var scales = { y: { beginAtZero: true } };
      if (spec.max !== null && spec.max !== undefined) {
        scales.y.max = spec.max;
      }
      new window.Chart(canvas, {
        type: spec.type,
        data: { labels: spec.labels, datasets: spec.datasets },
        options: { responsive: true, animation: false, scales: scales, plugins: { legend: { position: "bottom" } } },
      });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
