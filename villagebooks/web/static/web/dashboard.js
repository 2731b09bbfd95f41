// The dashboard's charts (ECharts, served from static/vendor/echarts/). Each chart's data is a
// <script type="application/json" id="chart-NAME"> block next to its <div data-chart="NAME">;
// the table under each chart carries the same figures for print and for browsers without scripts.
(function () {
  "use strict";
  if (typeof window.echarts === "undefined") {
    return;
  }
  var palette = ["#2f6f4f", "#9bbfa8", "#b5542c", "#e4b49c", "#5470c6", "#91cc75"];

  function options(data) {
    if (data.kind === "pie") {
      return {
        color: palette,
        tooltip: { trigger: "item" },
        legend: { bottom: 0, type: "scroll" },
        series: [{ type: "pie", radius: ["35%", "65%"], data: data.series, label: { formatter: "{b}: {c}" } }],
      };
    }
    return {
      color: palette,
      tooltip: { trigger: "axis" },
      legend: { bottom: 0, type: "scroll" },
      grid: { left: 8, right: 8, top: 16, bottom: 40, containLabel: true },
      xAxis: { type: "category", data: data.categories },
      yAxis: { type: "value" },
      series: data.series.map(function (series) {
        return { type: data.kind, name: series.name, data: series.data, smooth: data.kind === "line" };
      }),
    };
  }

  function draw() {
    var charts = [];
    document.querySelectorAll("[data-chart]").forEach(function (element) {
      var source = document.getElementById("chart-" + element.getAttribute("data-chart"));
      if (!source) {
        return;
      }
      element.classList.add("chart-drawn");
      var chart = window.echarts.init(element, null, { renderer: "svg" });
      chart.setOption(options(JSON.parse(source.textContent)));
      charts.push(chart);
    });
    window.addEventListener("resize", function () {
      charts.forEach(function (chart) {
        chart.resize();
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
