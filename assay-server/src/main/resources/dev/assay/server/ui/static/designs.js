// Assay design pages (bandit, holdout, switchback, platform A/A): draws each
// figure[data-plot-kind] with uPlot from the JSON in its data-plot attribute (no inline script:
// the Content-Security-Policy forbids it). Kinds: "bandit" (weight per arm over the periods,
// stepped), "holdout" (cumulative effect with its CI band over the refreshes), "switchback"
// (each variant's mean per window), "aa-histogram" (pooled p-values in ten bins, bars, with
// the uniform expectation) and "aa-over-time" (per run its false-positive rate, and pooled so far
// the rate and the uniformity p-value, with α). Each plot is as wide as its container's content
// box and follows it when it resizes (a ResizeObserver, debounced; uPlot's setSize). After
// drawing, a figure carries data-drawn="true", data-points (x values), data-series (lines or bars
// drawn) and data-width (the plot's width in CSS pixels, updated on resize);
// window.assayDesignPlots[kind] holds the data.
(function () {
  'use strict';
  var COLORS = ['#1f5fbf', '#b5472f', '#2e7d32', '#7b3fa0', '#9a6b00', '#00838f'];
  window.assayDesignPlots = window.assayDesignPlots || {};

  /* The content box of the figure's container (clientWidth counts its padding, which the plot must not cover). */
  function width(fig) {
    var box = fig.parentNode, w = 640;
    if (box && box.clientWidth) {
      var css = getComputedStyle(box);
      w = box.clientWidth - parseFloat(css.paddingLeft) - parseFloat(css.paddingRight);
    }
    return Math.floor(Math.max(240, Math.min(880, w)));
  }

  function seconds(ms) {
    return ms.map(function (t) { return t / 1000; });
  }

  /* uPlot widens a one-point time scale by years; show an hour around the only point instead. */
  function onePoint(plot, xs) {
    if (xs.length === 1) { plot.setScale('x', { min: xs[0] - 1800, max: xs[0] + 1800 }); }
  }

  function bandit(fig, d) {
    var xs = seconds(d.t), data = [xs], ser = [{}];
    Object.keys(d.weights).forEach(function (arm, i) {
      data.push(d.weights[arm]);
      ser.push({ label: arm, stroke: COLORS[i % COLORS.length], width: 2, paths: uPlot.paths.stepped({ align: 1 }),
        points: { show: true, size: 5 } });
    });
    var plot = new uPlot({ width: width(fig), height: 240, title: 'Weight per arm',
      scales: { x: { time: true }, y: { range: [0, 1] } }, axes: [{}, { size: 50 }], series: ser }, data, fig);
    onePoint(plot, xs);
    return { plot: plot, points: xs.length, series: ser.length - 1 };
  }

  function holdout(fig, d) {
    var xs = seconds(d.t), c = COLORS[0];
    var ser = [{}, { label: d.metric + ' effect', stroke: c, width: 2, points: { show: true, size: 5 } },
      { label: 'lower', stroke: c, dash: [4, 4], width: 1, points: { show: false } },
      { label: 'upper', stroke: c, dash: [4, 4], width: 1, points: { show: false } }];
    var plot = new uPlot({ width: width(fig), height: 240, title: d.metric + ': cumulative impact (general − held out)',
      scales: { x: { time: true } }, axes: [{}, { size: 60 }], series: ser,
      bands: [{ series: [3, 2], fill: c + '22' }],
      hooks: { draw: [zeroLine] } }, [xs, d.effect, d.ciLower, d.ciUpper], fig);
    onePoint(plot, xs);
    return { plot: plot, points: xs.length, series: 1 };
  }

  function zeroLine(u) {
    var ctx = u.ctx, y0 = u.valToPos(0, 'y', true);
    if (!(y0 >= u.bbox.top && y0 <= u.bbox.top + u.bbox.height)) { return; }
    ctx.save();
    ctx.strokeStyle = '#5a6473';
    ctx.setLineDash([4, 4]);
    ctx.beginPath(); ctx.moveTo(u.bbox.left, y0); ctx.lineTo(u.bbox.left + u.bbox.width, y0); ctx.stroke();
    ctx.restore();
  }

  function switchback(fig, d) {
    var xs = seconds(d.t), data = [xs], ser = [{}];
    Object.keys(d.means).forEach(function (v, i) {
      data.push(d.means[v]);
      ser.push({ label: v, stroke: COLORS[i % COLORS.length], width: 0, paths: function () { return null; },
        points: { show: true, size: 8, fill: COLORS[i % COLORS.length] } });
    });
    var plot = new uPlot({ width: width(fig), height: 240, title: 'Mean per event in each window',
      scales: { x: { time: true } }, axes: [{}, { size: 60 }], series: ser }, data, fig);
    onePoint(plot, xs);
    return { plot: plot, points: xs.length, series: ser.length - 1 };
  }

  function histogram(fig, d) {
    var xs = d.histogram.map(function (b) { return (b.from + b.to) / 2; });
    var counts = d.histogram.map(function (b) { return b.count; });
    var expected = d.pValues / d.histogram.length;
    var max = Math.max.apply(null, counts.concat([expected, 1]));
    var plot = new uPlot({ width: width(fig), height: 220, title: 'Pooled p-values (' + d.pValues + ')',
      scales: { x: { time: false, range: [0, 1] }, y: { range: [0, max * 1.15] } },
      axes: [{ values: function (u, vals) { return vals.map(function (v) { return v.toFixed(1); }); } }, { size: 40 }],
      legend: { show: false },
      series: [{}, { label: 'p-values', fill: COLORS[0] + '88', stroke: COLORS[0], width: 1,
        paths: uPlot.paths.bars({ size: [0.9, 100] }), points: { show: false } }],
      hooks: { draw: [function (u) {
        var ctx = u.ctx, y = u.valToPos(expected, 'y', true);
        ctx.save();
        ctx.strokeStyle = '#b5472f';
        ctx.setLineDash([6, 4]);
        ctx.beginPath(); ctx.moveTo(u.bbox.left, y); ctx.lineTo(u.bbox.left + u.bbox.width, y); ctx.stroke();
        ctx.restore();
      }] } }, [xs, counts], fig);
    return { plot: plot, points: xs.length, series: 1 };
  }

  function overTime(fig, d) {
    var xs = seconds(d.t), alpha = d.alpha;
    var ser = [{}, { label: 'run p < α', stroke: COLORS[0], width: 0, paths: function () { return null; },
      points: { show: true, size: 7, fill: COLORS[0] } },
      { label: 'pooled rate', stroke: COLORS[2], width: 2, points: { show: true, size: 4, fill: COLORS[2] } },
      { label: 'KS p (uniformity)', stroke: COLORS[1], width: 2, points: { show: true, size: 4, fill: COLORS[1] } }];
    var plot = new uPlot({ width: width(fig), height: 220, title: 'False-positive rate and uniformity per run',
      scales: { x: { time: true }, y: { range: [0, 1] } }, axes: [{}, { size: 40 }], series: ser,
      hooks: { draw: [function (u) {
        var ctx = u.ctx, y = u.valToPos(alpha, 'y', true);
        ctx.save();
        ctx.strokeStyle = '#5a6473';
        ctx.setLineDash([6, 4]);
        ctx.beginPath(); ctx.moveTo(u.bbox.left, y); ctx.lineTo(u.bbox.left + u.bbox.width, y); ctx.stroke();
        ctx.restore();
      }] } }, [xs, d.falsePositiveRate, d.pooledFalsePositiveRate, d.ksPValue], fig);
    onePoint(plot, xs);
    return { plot: plot, points: xs.length, series: ser.length - 1 };
  }

  var KINDS = { bandit: bandit, holdout: holdout, switchback: switchback, 'aa-histogram': histogram,
    'aa-over-time': overTime };

  /* Drawn plots and their figures; a figure HTMX swapped out is dropped (and its plot destroyed) on the next fit. */
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

  function draw() {
    if (typeof uPlot === 'undefined') { return; }
    document.querySelectorAll('figure[data-plot-kind]:not([data-drawn])').forEach(function (fig) {
      var kind = fig.getAttribute('data-plot-kind');
      try {
        var d = JSON.parse(fig.getAttribute('data-plot'));
        var drawn = KINDS[kind](fig, d);
        (window.assayDesignPlots[kind] = window.assayDesignPlots[kind] || []).push(d);
        drawnPlots.push({ fig: fig, box: fig.parentNode, plot: drawn.plot });
        if (observer) { observer.observe(fig.parentNode); }
        fig.setAttribute('data-points', String(drawn.points));
        fig.setAttribute('data-series', String(drawn.series));
        fig.setAttribute('data-width', String(drawn.plot.width));
        fig.setAttribute('data-drawn', 'true');
      } catch (e) {
        fig.setAttribute('data-error', String(e.message));
        fig.appendChild(document.createTextNode('The plot could not be drawn: ' + e.message));
      }
    });
  }

  document.addEventListener('DOMContentLoaded', draw);
  document.addEventListener('htmx:afterSettle', draw);
})();
