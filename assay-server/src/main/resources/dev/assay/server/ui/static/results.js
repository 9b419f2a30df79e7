// Assay results page: draws the plots with uPlot from the JSON at #plots[data-plot-url] (no inline
// script: the Content-Security-Policy forbids it). Per metric a forest plot (each variant's
// estimate and interval against control) and the effect with its interval over the stored
// snapshots. Two plots share a row of the metric's box when both fit, else each takes the row,
// and they follow the box when it resizes (a ResizeObserver, debounced; uPlot's setSize). After
// drawing, each figure carries data-drawn, data-points or data-series-length, and data-width (the
// plot's width, updated on resize), and window.assayPlots holds the data drawn (browser tests
// read both).
(function () {
  'use strict';
  var COLORS = ['#1f5fbf', '#b5472f', '#2e7d32', '#7b3fa0', '#9a6b00', '#00838f'];
  window.assayPlots = {};

  var GAP = 16, MIN = 240, MAX = 560;

  /* Half the content box of the metric's box (less the gap) when two plots fit side by side, else all of it. */
  function width(el) {
    var box = el.parentNode, w = 2 * MAX;
    if (box && box.clientWidth) {
      var css = getComputedStyle(box);
      w = box.clientWidth - parseFloat(css.paddingLeft) - parseFloat(css.paddingRight);
    }
    var each = w >= 2 * 280 + GAP ? (w - GAP) / 2 : w;
    return Math.floor(Math.max(MIN, Math.min(MAX, each)));
  }

  /* Drawn plots; one whose figure was swapped out is destroyed on the next fit. */
  var drawnPlots = [], fitTimer = null;
  var observer = typeof ResizeObserver === 'undefined' ? null : new ResizeObserver(function () {
    clearTimeout(fitTimer);
    fitTimer = setTimeout(fit, 120);
  });

  function fit() {
    drawnPlots = drawnPlots.filter(function (p) {
      if (!p.fig.isConnected) {
        p.plot.destroy();
        if (observer && !p.box.isConnected) { observer.unobserve(p.box); }
        return false;
      }
      var w = width(p.fig);
      if (w !== p.plot.width) { p.plot.setSize({ width: w, height: p.plot.height }); }
      p.fig.setAttribute('data-width', String(p.plot.width));
      return true;
    });
  }

  function follow(fig, plot) {
    drawnPlots.push({ fig: fig, box: fig.parentNode, plot: plot });
    fig.setAttribute('data-width', String(plot.width));
    if (observer) { observer.observe(fig.parentNode); }
  }

  function percent(scale) {
    return scale === 'relative lift';
  }

  function fmt(v, scale) {
    if (v == null) { return '–'; }
    return percent(scale) ? (100 * v).toFixed(1) + '%' : (Math.abs(v) >= 1000 || (Math.abs(v) < 0.01 && v !== 0) ? v.toExponential(2) : v.toFixed(3));
  }

  function forest(fig, m) {
    var xs = [], est = [], lo = [], hi = [];
    m.forest.forEach(function (f, i) { xs.push(i); est.push(f.estimate); lo.push(f.lower); hi.push(f.upper); });
    var all = lo.concat(hi, est, [0]).filter(function (v) { return v != null; });
    var min = Math.min.apply(null, all), max = Math.max.apply(null, all), pad = (max - min || 1) * 0.15;
    var opts = {
      width: width(fig), height: 200, title: m.key + ' (' + m.forestScale + ')',
      scales: { x: { time: false, range: [-0.5, xs.length - 0.5] }, y: { range: [min - pad, max + pad] } },
      axes: [
        { values: function (u, vals) { return vals.map(function (v) { var f = m.forest[Math.round(v)]; return Number.isInteger(v) && f ? f.variant : ''; }); },
          splits: function () { return xs; } },
        { values: function (u, vals) { return vals.map(function (v) { return fmt(v, m.forestScale); }); }, size: 60 }
      ],
      legend: { show: false },
      cursor: { show: false },
      series: [{}, { label: 'estimate', stroke: COLORS[0], width: 0, paths: function () { return null; },
        points: { show: true, size: 10, fill: COLORS[0] } }],
      hooks: { draw: [function (u) {
        var ctx = u.ctx;
        ctx.save();
        ctx.strokeStyle = '#5a6473';
        ctx.setLineDash([4, 4]);
        var y0 = u.valToPos(0, 'y', true);
        ctx.beginPath(); ctx.moveTo(u.bbox.left, y0); ctx.lineTo(u.bbox.left + u.bbox.width, y0); ctx.stroke();
        ctx.setLineDash([]);
        ctx.lineWidth = 2 * devicePixelRatio;
        for (var i = 0; i < xs.length; i++) {
          if (lo[i] == null || hi[i] == null) { continue; }
          var x = u.valToPos(i, 'x', true);
          ctx.strokeStyle = COLORS[i % COLORS.length];
          ctx.beginPath();
          ctx.moveTo(x, u.valToPos(lo[i], 'y', true)); ctx.lineTo(x, u.valToPos(hi[i], 'y', true));
          ctx.moveTo(x - 6, u.valToPos(lo[i], 'y', true)); ctx.lineTo(x + 6, u.valToPos(lo[i], 'y', true));
          ctx.moveTo(x - 6, u.valToPos(hi[i], 'y', true)); ctx.lineTo(x + 6, u.valToPos(hi[i], 'y', true));
          ctx.stroke();
        }
        ctx.restore();
      }] }
    };
    follow(fig, new uPlot(opts, [xs, est], fig));
    fig.setAttribute('data-points', String(xs.length));
    fig.setAttribute('data-drawn', 'true');
  }

  function series(fig, m, times) {
    var data = [times], ser = [{}], bands = [];
    m.series.forEach(function (v, i) {
      var c = COLORS[i % COLORS.length];
      data.push(v.estimate, v.lower, v.upper);
      var base = ser.length;
      ser.push({ label: v.variant + ' effect', stroke: c, width: 2, points: { show: true, size: 5 } });
      ser.push({ label: v.variant + ' lower', stroke: c, dash: [4, 4], width: 1, points: { show: false } });
      ser.push({ label: v.variant + ' upper', stroke: c, dash: [4, 4], width: 1, points: { show: false } });
      bands.push({ series: [base + 2, base + 1], fill: c + '22' });
    });
    var opts = {
      width: width(fig), height: 200, title: m.key + ': effect over time',
      scales: { x: { time: true } },
      axes: [{}, { size: 60 }],
      series: ser, bands: bands
    };
    var plot = new uPlot(opts, data, fig);
    if (times.length === 1) {
      // uPlot widens a one-point time scale by years; show a day around the only refresh instead
      plot.setScale('x', { min: times[0] - 43200, max: times[0] + 43200 });
    }
    follow(fig, plot);
    fig.setAttribute('data-series-length', String(times.length));
    fig.setAttribute('data-drawn', 'true');
  }

  function draw(root) {
    var holder = root.querySelector ? root.querySelector('#plots[data-plot-url]') : null;
    if (!holder || typeof uPlot === 'undefined') { return; }
    fetch(holder.getAttribute('data-plot-url'), { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (r) { if (!r.ok) { throw new Error('plot data: HTTP ' + r.status); } return r.json(); })
      .then(function (d) {
        window.assayPlots = { times: d.times, metrics: {} };
        d.metrics.forEach(function (m) {
          window.assayPlots.metrics[m.key] = m;
          var box = document.querySelector('.metric-plots[data-metric="' + CSS.escape(m.key) + '"]');
          if (!box) { return; }
          var f = box.querySelector('figure.forest'), s = box.querySelector('figure.series');
          if (f && !f.hasAttribute('data-drawn')) { forest(f, m); }
          if (s && !s.hasAttribute('data-drawn')) { series(s, m, d.times); }
        });
        holder.setAttribute('data-loaded', String(d.metrics.length));
      })
      .catch(function (e) { holder.setAttribute('data-error', String(e.message)); holder.textContent = 'Plots could not be drawn: ' + e.message; });
  }

  document.addEventListener('DOMContentLoaded', function () { draw(document); });
  document.addEventListener('htmx:afterSettle', function () { draw(document); });
})();
