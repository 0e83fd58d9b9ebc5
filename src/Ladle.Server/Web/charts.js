// Charts for metric answers, drawn with uPlot (loaded as a classic script: window.uPlot). A chart is a line when the
// answer has a time column and bars over a dimension's values otherwise. Every chart leaves what it drew on its
// element (data-chart: labels and series) so tests and assistive tools read the numbers, not the pixels.

let loading = null;

/**
 * Loads uPlot and the dashboards' styles once, from this module's own asset prefix (the UI's versioned /ui/{v}/),
 * so pages that draw nothing never fetch them; callers start it early, beside their API requests.
 */
export function loadCharts() {
  if (window.uPlot) return Promise.resolve();
  loading ??= new Promise((resolve, reject) => {
    for (const href of ['./vendor/uplot/uPlot.min.css', './dashboards.css']) {
      const url = new URL(href, import.meta.url).href;
      if (![...document.querySelectorAll('link[rel=stylesheet]')].some((l) => l.href === url)) document.head.append(Object.assign(document.createElement('link'), { rel: 'stylesheet', href: url }));
    }
    const script = Object.assign(document.createElement('script'), { src: new URL('./vendor/uplot/uPlot.iife.min.js', import.meta.url).href });
    script.addEventListener('load', () => resolve());
    script.addEventListener('error', () => reject(new Error('the chart library did not load')));
    document.head.append(script);
  });
  return loading;
}

const numberFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });

/** Formats a metric value for people: grouped digits, at most two decimals, an em dash for no value. */
export function formatNumber(value) {
  if (value === null || value === undefined || value === '') return '—';
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) ? numberFormat.format(n) : String(value);
}

/** The colours of the page's theme (CSS custom properties), for series. */
function palette(element) {
  const style = getComputedStyle(element);
  const accent = style.getPropertyValue('--ladle-accent').trim() || '#2563eb';
  const extra = ['#d97706', '#059669', '#db2777', '#7c3aed', '#0891b2', '#65a30d'];
  return [accent, ...extra];
}

/** The answer's time column (date or timestamp), if it has one. */
export function timeColumn(answer) {
  return answer.columns.find((c) => c.type === 'date' || c.type === 'timestamp') || null;
}

function seconds(value) {
  // Dates come as yyyy-mm-dd (a local day), timestamps as UTC instants.
  const text = String(value);
  return Date.parse(text.length === 10 ? `${text}T00:00:00Z` : text) / 1000;
}

/**
 * Turns an answer into labels and series: over time (one series per metric, or per value of one dimension when a
 * single metric is split by it), or over the values of the first dimension (one series per metric).
 */
export function chartData(answer, metrics) {
  const time = timeColumn(answer);
  const dims = answer.columns.filter((c) => c !== time && !metrics.includes(c.name)).map((c) => c.name);
  if (time) {
    const xs = [...new Set(answer.rows.map((r) => r[time.name]))].sort();
    const index = new Map(xs.map((x, i) => [x, i]));
    let series;
    if (dims.length > 0 && metrics.length === 1) {
      const groups = [...new Set(answer.rows.map((r) => String(r[dims[0]])))].sort();
      series = groups.map((g) => ({ name: g, values: xs.map(() => null) }));
      const byName = new Map(series.map((s) => [s.name, s]));
      for (const row of answer.rows) byName.get(String(row[dims[0]])).values[index.get(row[time.name])] = toNumber(row[metrics[0]]);
    } else {
      series = metrics.map((m) => ({ name: m, values: xs.map(() => null) }));
      for (const row of answer.rows) for (const s of series) s.values[index.get(row[time.name])] = toNumber(row[s.name]);
    }
    return { kind: 'line', labels: xs.map(String), x: xs.map(seconds), series };
  }
  const labels = answer.rows.map((r) => (dims.length ? dims.map((d) => String(r[d])).join(' · ') : 'all'));
  const series = metrics.map((m) => ({ name: m, values: answer.rows.map((r) => toNumber(r[m])) }));
  return { kind: 'bar', labels, x: labels.map((_, i) => i), series };
}

function toNumber(value) {
  if (value === null || value === undefined) return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

/**
 * Draws an answer into container (emptied first) and resolves once drawn. The element gets data-chart (what was
 * drawn) and data-state="drawn"; the chart follows the container's width.
 */
export function drawChart(container, answer, metrics, { height = 240, width: measured } = {}) {
  const data = chartData(answer, metrics);
  // A width measured by the caller before anything changed spares a forced layout per chart.
  const width = Math.max(measured || container.clientWidth || 0, 240);
  container.replaceChildren();
  container.dataset.chart = JSON.stringify({ kind: data.kind, labels: data.labels, series: data.series });
  const colours = palette(container);
  const text = getComputedStyle(container).color;
  const axis = { stroke: text, grid: { stroke: 'rgba(127,127,127,0.15)' }, ticks: { stroke: 'rgba(127,127,127,0.3)' } };
  const bars = data.kind === 'bar';
  const options = {
    width,
    height,
    legend: { show: data.series.length > 1 || data.kind === 'line' },
    cursor: { drag: { x: false, y: false } },
    scales: {
      x: { time: data.kind === 'line', range: data.kind === 'bar' ? (u, min, max) => [min - 0.5, max + 0.5] : undefined },
      // Bars start at zero, or their lengths would not compare.
      y: data.kind === 'bar' ? { range: (u, min, max) => [Math.min(0, min), max > 0 ? max * 1.08 : 1] } : {},
    },
    axes: [
      data.kind === 'bar'
        ? { ...axis, splits: () => data.x, values: (u, splits) => splits.map((i) => data.labels[i] ?? '') }
        : { ...axis },
      { ...axis, values: (u, splits) => splits.map(formatNumber), size: 64 },
    ],
    series: [
      { label: data.kind === 'line' ? 'time' : 'value' },
      ...data.series.map((s, i) => ({
        label: s.name,
        stroke: colours[i % colours.length],
        width: data.kind === 'line' ? 2 : 0,
        fill: data.kind === 'bar' ? colours[i % colours.length] : undefined,
        points: { show: data.kind === 'line' && data.x.length < 40 },
        value: (u, v) => formatNumber(v),
      })),
    ],
  };
  if (bars) {
    // Several metrics over the same categories: nested bars, each narrower than the one before, so all stay visible.
    options.series.slice(1).forEach((s, i, all) => {
      s.paths = window.uPlot.paths.bars({ size: [0.7 * (1 - i / (all.length + 1)), 80], align: 0 });
    });
  }
  const plot = new window.uPlot(options, [data.x, ...data.series.map((s) => s.values)], container);
  if (typeof ResizeObserver !== 'undefined') {
    const observer = new ResizeObserver(() => {
      const w = Math.max(container.clientWidth || 0, 240);
      if (w !== plot.width) plot.setSize({ width: w, height });
    });
    observer.observe(container);
  }
  container.dataset.state = 'drawn';
  return plot;
}

/** An answer as an accessible table (caption, column headers), numbers formatted and right-aligned. */
export function answerTable(answer, caption) {
  const table = document.createElement('table');
  table.className = 'ladle-answer';
  if (caption) table.createCaption().textContent = caption;
  const head = table.createTHead().insertRow();
  for (const column of answer.columns) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = column.name;
    head.append(th);
  }
  const body = table.createTBody();
  for (const row of answer.rows) {
    const tr = body.insertRow();
    for (const column of answer.columns) {
      const td = tr.insertCell();
      const numeric = ['integer', 'decimal', 'double'].includes(column.type);
      td.textContent = numeric ? formatNumber(row[column.name]) : (row[column.name] ?? '—');
      if (numeric) td.className = 'num';
    }
  }
  return table;
}
