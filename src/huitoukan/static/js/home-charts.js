// Home page charts. The numbers come from the page itself (json_script), already scoped and
// counted on the server; without JavaScript the tables beside the charts say the same.
(function () {
  "use strict";
  var source = document.getElementById("chart-data");
  if (!source || !window.echarts) return;
  var data = JSON.parse(source.textContent);
  var palette = ["#a4161a", "#2f6f4f", "#7a1f1f", "#d9822b", "#c9a227", "#b5532b", "#5b7a99", "#3b5b8c"];
  // ECharts measures text on a canvas, where "inherit" means nothing: name the page's fonts.
  var family = getComputedStyle(document.body).fontFamily;
  var font = {fontFamily: family, fontSize: 12};
  // The same colours as the status badges of the tables and the household list.
  var statusColours = {
    not_lifted: "#c62828", lifted: "#2f7a4f", returned: "#7d0f12", unstable: "#e0a030",
    marginal: "#d9822b", sudden_hardship: "#b5532b", risk_cleared: "#5b7a99"
  };
  var charts = [];

  function chart(id, option) {
    var el = document.getElementById(id);
    if (!el) return;
    var c = echarts.init(el, null, {renderer: "svg"});
    c.setOption(Object.assign({color: palette, textStyle: font, animation: false}, option));
    charts.push(c);
  }

  chart("chart-status", {
    tooltip: {trigger: "item", formatter: "{b}：{c}（{d}%）"},
    legend: {orient: "vertical", left: "62%", top: "middle", textStyle: font},
    series: [{type: "pie", radius: ["42%", "70%"], center: ["32%", "50%"], label: {show: false},
              data: data.status.map(function (s) {
                return {name: s.name, value: s.value, itemStyle: {color: statusColours[s.code]}};
              })}]
  });

  chart("chart-towns", {
    tooltip: {trigger: "axis"},
    legend: {top: 0, textStyle: font},
    grid: {left: 8, right: 8, top: 30, bottom: 4, containLabel: true},
    xAxis: {type: "category", data: data.towns.names, axisLabel: {interval: 0, rotate: data.towns.names.length > 8 ? 40 : 0}},
    yAxis: {type: "value"},
    series: [
      {name: data.labels.households, type: "bar", data: data.towns.households, barMaxWidth: 28},
      {name: data.labels.people, type: "bar", data: data.towns.people, barMaxWidth: 28, itemStyle: {color: "#5b7a99"}}
    ]
  });

  chart("chart-causes", {
    tooltip: {trigger: "axis", axisPointer: {type: "shadow"}},
    grid: {left: 8, right: 24, top: 4, bottom: 4, containLabel: true},
    xAxis: {type: "value"},
    yAxis: {type: "category", data: data.causes.map(function (p) { return p[0]; })},
    series: [{type: "bar", data: data.causes.map(function (p) { return p[1]; }), barMaxWidth: 16,
              itemStyle: {color: "#a4161a"}, label: {show: true, position: "right", fontSize: 11}}]
  });

  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
