// Draws the dashboard's charts from the JSON the page carries (no inline script: the CSP allows
// scripts from this server only). Every chart has its table beside it on the page.
(function () {
  var data = JSON.parse(document.getElementById('chart-data').textContent);
  data.charts.forEach(function (c) {
    var el = document.getElementById(c.id);
    if (!el || typeof echarts === 'undefined') { return; }
    var chart = echarts.init(el, null, { renderer: 'canvas' });
    chart.setOption({
      animation: false,
      tooltip: { trigger: 'axis', renderMode: 'richText' },
      legend: { data: c.series.map(function (s) { return s.name; }) },
      grid: { left: 48, right: 16, bottom: 48, top: 40 },
      xAxis: { type: 'category', data: c.categories, axisLabel: { interval: 0, rotate: c.categories.length > 6 ? 30 : 0 } },
      yAxis: { type: 'value', minInterval: 1 },
      series: c.series.map(function (s) { return { name: s.name, type: 'bar', data: s.values }; })
    });
    chart.on('click', function (p) {
      var link = c.links && c.links[p.dataIndex];
      if (link) { window.location.href = link; }
    });
    el.setAttribute('data-rendered', '1');
  });
})();
