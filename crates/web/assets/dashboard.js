// Draws the dashboard's charts from the JSON the page carries (no inline script: the CSP allows
// scripts from this server only). Every chart has its table beside it on the page, and a click
// on a bar or a slice opens the households behind that figure.
(function () {
  var data = JSON.parse(document.getElementById('chart-data').textContent);
  data.charts.forEach(function (c) {
    var el = document.getElementById(c.id);
    if (!el || typeof echarts === 'undefined') { return; }
    var chart = echarts.init(el, null, { renderer: 'canvas' });
    var option;
    if (c.type === 'pie') {
      var s = c.series[0];
      option = {
        animation: false,
        tooltip: { trigger: 'item', renderMode: 'richText' },
        legend: { type: 'scroll', bottom: 0 },
        series: [{
          name: s.name, type: 'pie', radius: ['30%', '65%'], center: ['50%', '45%'],
          data: c.categories.map(function (name, i) { return { name: name, value: s.values[i] }; })
        }]
      };
    } else {
      option = {
        animation: false,
        tooltip: { trigger: 'axis', renderMode: 'richText' },
        legend: { data: c.series.map(function (s) { return s.name; }) },
        grid: { left: 56, right: 16, bottom: 56, top: 40 },
        xAxis: { type: 'category', data: c.categories, axisLabel: { interval: 0, rotate: c.categories.length > 6 ? 30 : 0 } },
        yAxis: { type: 'value', minInterval: 1 },
        series: c.series.map(function (s) { return { name: s.name, type: 'bar', data: s.values }; })
      };
    }
    chart.setOption(option);
    chart.on('click', function (p) {
      var s = c.series[p.seriesIndex] || c.series[0];
      var link = s.links && s.links[p.dataIndex];
      if (link) { window.location.href = link; }
    });
    el.setAttribute('data-rendered', '1');
  });
})();
