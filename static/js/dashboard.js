/* Leaders' dashboard charts (ECharts, vendored). Data comes from the json_script block
   "dashboard-data"; every bar / slice carries the ledger URL of exactly the rows it counts,
   and a click follows it. No inline script: the page's CSP allows only files from 'self'. */
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  var RED = "#c0392b", YELLOW = "#e0a800", GREEN = "#2e8b57", NAVY = "#1f3a68", GREY = "#8a94a6";

  function mount(id, option, urlOf) {
    var el = document.getElementById(id);
    if (!el || !window.echarts) return null;
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(option);
    chart.on("click", function (params) {
      var url = urlOf(params);
      if (url) window.location.href = url;
    });
    el.dataset.rendered = "1";
    window.addEventListener("resize", function () { chart.resize(); });
    return chart;
  }

  ready(function () {
    var node = document.getElementById("dashboard-data");
    if (!node) return;
    var data = JSON.parse(node.textContent);
    var L = data.labels;
    var narrow = window.innerWidth < 576;
    var grid = { left: 8, right: 16, top: 36, bottom: 8, containLabel: true };

    mount("chart-trend", {
      color: [NAVY, GREEN],
      tooltip: { trigger: "axis" },
      legend: { top: 0, data: [L.handed_off, L.closed] },
      grid: grid,
      xAxis: { type: "category", data: data.trend.map(function (p) { return p.label; }),
               axisLabel: { interval: narrow ? 1 : 0 } },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { name: L.handed_off, type: "bar", data: data.trend.map(function (p) { return p.handed_off; }) },
        { name: L.closed, type: "bar", data: data.trend.map(function (p) { return p.closed; }) }
      ]
    }, function (params) {
      var point = data.trend[params.dataIndex];
      return params.seriesIndex === 0 ? point.handed_off_url : point.closed_url;
    });

    var lightColors = { red: RED, yellow: YELLOW, green: GREEN };
    mount("chart-lights", {
      tooltip: { trigger: "item", formatter: "{b}：{c}" + L.unit + "（{d}%）" },
      // On a phone the slice labels were cut to "绿…": there the legend carries name and count.
      legend: narrow ? {
        bottom: 0,
        formatter: function (name) {
          var slice = data.lights.filter(function (l) { return l.label === name; })[0];
          return slice ? name + " " + slice.count : name;
        }
      } : { bottom: 0 },
      series: [{
        type: "pie", radius: ["40%", "70%"], center: ["50%", "45%"],
        label: narrow ? { show: false } : { formatter: "{b}\n{c}" },
        data: data.lights.map(function (l) {
          return { name: l.label, value: l.count, itemStyle: { color: lightColors[l.light] } };
        })
      }]
    }, function (params) { return data.lights[params.dataIndex].url; });

    mount("chart-categories", {
      color: [NAVY],
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", inverse: true, data: data.categories.map(function (c) { return c.label; }) },
      series: [{ type: "bar", data: data.categories.map(function (c) { return c.count; }),
                 label: { show: true, position: "right" } }]
    }, function (params) { return data.categories[params.dataIndex].url; });

    mount("chart-projects", {
      color: [GREY, RED],
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0, data: [L.open, L.red] },
      grid: { left: 8, right: 24, top: 32, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", inverse: true,
               axisLabel: { width: narrow ? 90 : 180, overflow: "truncate" },
               data: data.projects.map(function (p) { return p.name; }) },
      series: [
        { name: L.open, type: "bar", data: data.projects.map(function (p) { return p.count; }) },
        { name: L.red, type: "bar", data: data.projects.map(function (p) { return p.red; }) }
      ]
    }, function (params) {
      var project = data.projects[params.dataIndex];
      return params.seriesIndex === 0 ? project.url : project.red_url;
    });
  });
})();
