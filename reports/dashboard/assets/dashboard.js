/* palabre dashboards: draws each chart of the page with ECharts (window.echarts).
 *
 * <div class="chart" id="c1" data-option="c1-option"></div>
 * <script type="application/json" id="c1-option">{ ECharts option }<\/script>
 * <button type="button" data-png="c1" data-filename="chart.png">PNG</button>
 *
 * Conventions on top of ECharts options (JSON cannot carry functions):
 *  - a series {"type":"custom","palabre":"errorbar","data":[[category, low, high], ...]}
 *    draws an interval bar (line and two caps) at each category; "palabreOffset" moves it
 *    sideways by that fraction of the category's width (to sit on one of several bars).
 *    A null low or high draws nothing. Named as its bar series, it shares its legend entry.
 *  - "palabre":"percent" on an axis formats its labels, and the tooltips of the series on it,
 *    as percentages in the page's language; on the option, it does so for every value axis,
 *    the tooltip, the visualMap and the series labels. Values are percentage points (42.5 is 42,5 %).
 *
 * No inline script is needed (CSP script-src 'self'). This file never contains a closing
 * script tag, so that a self-contained page can inline it. A self-contained copy of the page may
 * carry ECharts gzip-compressed, base64-encoded, in a <script type="text/plain" data-palabre-gzip>
 * element instead of loading echarts.min.js: it is decompressed and run before the charts are drawn.
 */
(function () {
  'use strict';
  var doc = document;

  var lang = (doc.documentElement.lang || 'en').toLowerCase().slice(0, 2);
  if (lang !== 'fr' && lang !== 'es') lang = 'en';
  var locale = lang.toUpperCase();
  var pctFormat = new Intl.NumberFormat(lang, { style: 'percent', maximumFractionDigits: 1 });
  var numFormat = new Intl.NumberFormat(lang, { maximumFractionDigits: 1 });
  function percent(v) {
    if (v === null || v === undefined || v === '' || isNaN(v)) return '–';
    return pctFormat.format(Number(v) / 100);
  }
  // percentRange writes a visualMap piece compactly: "50–70 %".
  function percentRange(a, b) {
    if (b === undefined || b === a) return percent(a);
    if (!isFinite(b)) return '≥ ' + percent(a);
    if (!isFinite(a)) return '< ' + percent(b);
    return numFormat.format(a) + '–' + percent(b);
  }

  var charts = {}; // id -> echarts instance
  var pending = {}; // id -> element not drawn yet

  function list(x) {
    if (x === undefined || x === null) return [];
    return Array.isArray(x) ? x : [x];
  }

  function isPercent(o) {
    return !!o && o.palabre === 'percent';
  }

  function axisType(axis, dflt) {
    return (axis && axis.type) || dflt;
  }

  // The category axis of a cartesian series, and whether the categories run along x.
  function orientation(option, series) {
    var x = list(option.xAxis)[series.xAxisIndex || 0];
    var y = list(option.yAxis)[series.yAxisIndex || 0];
    var vertical = axisType(x, 'category') === 'category' || axisType(y, 'value') !== 'category';
    return { vertical: vertical, valueAxis: vertical ? y : x };
  }

  function errorBar(series, vertical) {
    var offset = Number(series.palabreOffset) || 0;
    series.encode = vertical ? { x: 0, y: [1, 2], tooltip: [1, 2] } : { y: 0, x: [1, 2], tooltip: [1, 2] };
    if (series.z === undefined) series.z = 10;
    series.renderItem = function (params, api) {
      var cat = api.value(0);
      var low = api.value(1);
      var high = api.value(2);
      if (low === null || high === null || isNaN(low) || isNaN(high)) return null;
      var band = vertical ? api.size([1, 0])[0] : api.size([0, 1])[1];
      var shift = offset * band;
      var cap = Math.max(3, Math.min(8, band * 0.12));
      var a = api.coord(vertical ? [cat, low] : [low, cat]);
      var b = api.coord(vertical ? [cat, high] : [high, cat]);
      var style = { stroke: api.visual('color'), lineWidth: 1.5, fill: null };
      function line(x1, y1, x2, y2) {
        return { type: 'line', shape: { x1: x1, y1: y1, x2: x2, y2: y2 }, style: style };
      }
      var children = vertical
        ? [line(a[0] + shift, a[1], b[0] + shift, b[1]),
          line(a[0] + shift - cap, a[1], a[0] + shift + cap, a[1]),
          line(b[0] + shift - cap, b[1], b[0] + shift + cap, b[1])]
        : [line(a[0], a[1] + shift, b[0], b[1] + shift),
          line(a[0], a[1] + shift - cap, a[0], a[1] + shift + cap),
          line(b[0], b[1] + shift - cap, b[0], b[1] + shift + cap)];
      return { type: 'group', children: children };
    };
  }

  function percentAxis(axis) {
    axis.axisLabel = axis.axisLabel || {};
    if (!axis.axisLabel.formatter) axis.axisLabel.formatter = percent;
  }

  // prepare turns the page's JSON into the option ECharts draws.
  function prepare(option) {
    var allPercent = isPercent(option);
    if (!option.aria) option.aria = { enabled: true, decal: { show: false } };
    // Tooltips drawn on the canvas: ECharts' HTML tooltips carry inline style attributes,
    // which a Content-Security-Policy without style-src 'unsafe-inline' blocks.
    list(option.tooltip).forEach(function (tip) {
      if (!tip.renderMode) tip.renderMode = 'richText';
      if (tip.renderMode === 'richText' && tip.confine === undefined) tip.confine = true; // inside the canvas
    });
    ['xAxis', 'yAxis'].forEach(function (key, i) {
      list(option[key]).forEach(function (axis) {
        var type = axisType(axis, i === 0 ? 'category' : 'value');
        if (isPercent(axis) || (allPercent && type === 'value')) percentAxis(axis);
      });
    });
    list(option.series).forEach(function (s) {
      var o = orientation(option, s);
      if (s.type === 'custom' && s.palabre === 'errorbar') errorBar(s, o.vertical);
      if (allPercent || isPercent(s) || isPercent(o.valueAxis)) {
        s.tooltip = s.tooltip || {};
        if (!s.tooltip.valueFormatter) s.tooltip.valueFormatter = percent;
        if (s.label && s.label.show && !s.label.formatter) {
          s.label.formatter = function (p) {
            var v = Array.isArray(p.value) ? p.value[p.value.length - 1] : p.value;
            return percent(v);
          };
        }
      }
    });
    if (allPercent) {
      if (option.tooltip && !option.tooltip.valueFormatter) option.tooltip.valueFormatter = percent;
      list(option.visualMap).forEach(function (vm) {
        if (vm.formatter) return;
        vm.formatter = percentRange;
      });
    }
    return option;
  }

  function draw(el) {
    var id = el.id;
    delete pending[id];
    if (charts[id]) return charts[id];
    try {
      var src = doc.getElementById(el.getAttribute('data-option'));
      if (!src) throw new Error('no option element #' + el.getAttribute('data-option'));
      var option = prepare(JSON.parse(src.textContent));
      var chart = window.echarts.init(el, null, { renderer: 'canvas', locale: locale });
      chart.on('finished', function () {
        chart.palabreReady = true;
      });
      chart.setOption(option);
      charts[id] = chart;
      return chart;
    } catch (err) {
      console.error('palabre: chart ' + id + ':', err);
      return null;
    }
  }

  function download(chart, filename) {
    var a = doc.createElement('a');
    a.href = chart.getDataURL({ type: 'png', pixelRatio: 2, backgroundColor: '#fff' });
    a.download = filename || 'chart.png';
    a.style.display = 'none';
    doc.body.appendChild(a);
    a.click();
    doc.body.removeChild(a);
  }

  function onPNG(ev) {
    var button = ev.currentTarget;
    var el = doc.getElementById(button.getAttribute('data-png'));
    if (!el) return;
    var chart = charts[el.id] || draw(el);
    if (!chart) return;
    var name = button.getAttribute('data-filename');
    if (chart.palabreReady) {
      download(chart, name);
      return;
    }
    var done = function () {
      chart.off('finished', done);
      download(chart, name);
    };
    chart.on('finished', done);
  }

  function start() {
    // Charts will be drawn: CSS shows their placeholders (and hides what only the no-JS page needs).
    doc.documentElement.classList.add('js');
    var els = doc.querySelectorAll('.chart[data-option]');
    var observer = null;
    if ('IntersectionObserver' in window) {
      observer = new IntersectionObserver(function (entries) {
        entries.forEach(function (e) {
          if (e.isIntersecting) {
            observer.unobserve(e.target);
            draw(e.target);
          }
        });
      }, { rootMargin: '200px 0px' });
    }
    Array.prototype.forEach.call(els, function (el) {
      if (!el.id) return;
      pending[el.id] = el;
      if (observer) observer.observe(el);
      else draw(el);
    });
    Array.prototype.forEach.call(doc.querySelectorAll('button[data-png]'), function (b) {
      b.addEventListener('click', onPNG);
    });
    var timer = 0;
    window.addEventListener('resize', function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        Object.keys(charts).forEach(function (id) {
          charts[id].resize();
        });
      }, 150);
    });
    window.addEventListener('beforeprint', function () {
      Object.keys(pending).forEach(function (id) {
        draw(pending[id]);
      });
    });
  }

  // unpack runs ECharts carried gzip-compressed and base64-encoded in the page itself.
  function unpack(el) {
    var bin = atob(el.textContent.replace(/\s+/g, ''));
    var bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
    return new Response(stream).text().then(function (code) {
      var s = doc.createElement('script');
      s.textContent = code;
      doc.head.appendChild(s);
    });
  }

  function boot() {
    if (window.echarts) {
      start();
      return;
    }
    var packed = doc.querySelector('script[data-palabre-gzip]');
    if (!packed) {
      console.error('palabre: ECharts is not loaded; the tables show the figures');
      return;
    }
    if (!window.DecompressionStream) return; // an old browser: the tables show the figures
    unpack(packed).then(start, function (err) {
      console.error('palabre: ECharts could not be unpacked:', err);
    });
  }

  window.palabreDashboard = { charts: charts, draw: draw, percent: percent, percentRange: percentRange, locale: locale };
  if (doc.readyState === 'loading') doc.addEventListener('DOMContentLoaded', boot);
  else boot();
})();
