// A dashboard of dashboards/*.yaml drawn from the public API only: GET /api/v1/dashboards/{name} gives each tile's
// metric query resolved for now (and a KPI's previous period); each is POSTed to /api/v1/metrics/query as the same
// principal. The caller passes `api`, which decides how requests are authorised (the signed-in cookie, or an embed
// token and nothing else), so this module never chooses credentials itself.
import { answerTable, drawChart, formatNumber, loadCharts } from './charts.js';

/** Builds an element: el('div', { class: 'x' }, child, 'text'). */
function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : value);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

function problemText(error) {
  return error?.problem?.detail || error?.problem?.title || error?.message || 'the request failed';
}

/** A KPI: the value over the range, the previous period's and the change between them. */
function drawKpi(body, tile, current, previous) {
  const metric = tile.metrics[0];
  const value = current.rows[0]?.[metric] ?? null;
  const before = previous ? previous.rows[0]?.[metric] ?? null : undefined;
  const figure = el('div', { class: 'kpi-value', 'data-value': value ?? '' }, formatNumber(value));
  body.replaceChildren(figure);
  const data = { kind: 'kpi', value, previous: before ?? null };
  if (previous) {
    let change = null;
    if (value !== null && before !== null && Number(before) !== 0) change = (Number(value) - Number(before)) / Math.abs(Number(before));
    const direction = change === null ? 'flat' : change > 0 ? 'up' : change < 0 ? 'down' : 'flat';
    const words = change === null ? 'no comparison' : `${change > 0 ? '+' : ''}${(change * 100).toFixed(1)}%`;
    body.append(el('div', { class: `kpi-change ${direction}`, 'data-change': change ?? '' },
      el('span', { 'aria-hidden': 'true' }, direction === 'up' ? '▲ ' : direction === 'down' ? '▼ ' : ''),
      `${words} vs previous period (${formatNumber(before)})`));
    data.change = change;
  }
  body.dataset.chart = JSON.stringify(data);
  body.dataset.state = 'drawn';
}

/** Saves an export: fetched with the page's own credentials (never a bare link, which would carry none or others). */
async function exportCsv(api, tile, query, status, options) {
  status.textContent = 'Exporting…';
  try {
    const blob = await api.blob('/api/v1/metrics/query', { ...query, format: 'csv' });
    const url = URL.createObjectURL(blob);
    const link = el('a', { href: url, download: `${tile.id}.csv` });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    status.textContent = '';
  } catch (error) {
    status.textContent = `Export refused: ${problemText(error)}`;
    if (error.status === 401) options.onRefused?.(error);
  }
}

/**
 * Draws a tile once its answers (already requested) are in; a chart tile also waits for the chart library, a KPI or
 * table never does.
 */
async function drawTile(tile, card, answers, charts, options) {
  const body = card.querySelector('.tile-body');
  const status = card.querySelector('.tile-status');
  try {
    const [current, previous] = await answers;
    if (tile.kind === 'kpi') drawKpi(body, tile, current, previous);
    else if (tile.kind === 'table') {
      body.replaceChildren(answerTable(current, tile.title));
      body.dataset.chart = JSON.stringify({ kind: 'table', rows: current.rows });
      body.dataset.state = 'drawn';
    } else if (current.rows.length === 0) {
      body.replaceChildren(el('p', { class: 'empty' }, 'No data in this range.'));
      body.dataset.chart = JSON.stringify({ kind: tile.kind, labels: [], series: [] });
      body.dataset.state = 'drawn';
    } else {
      await charts;
      drawChart(body, current, tile.metrics, { height: options.chartHeight, width: options.chartWidth });
    }
    card.dataset.answeredBy = current.data?.answered_by ?? '';
    card.dataset.status = current.data?.status ?? '';
  } catch (error) {
    if (error.status === 401) throw error;
    body.replaceChildren(el('p', { class: 'error', role: 'alert' }, problemText(error)));
    body.dataset.state = 'failed';
    status.textContent = '';
  }
}

function tileCard(api, tile, options) {
  const status = el('span', { class: 'tile-status', role: 'status', 'aria-live': 'polite' });
  const actions = options.exports
    ? el('button', { type: 'button', class: 'tile-export', onclick: () => exportCsv(api, tile, tile.query, status, options), 'aria-label': `Export ${tile.title} as CSV` }, 'CSV')
    : null;
  return el('section', { class: `tile tile-${tile.kind}`, 'data-tile': tile.id, 'aria-labelledby': `tile-${tile.id}-title` },
    el('header', { class: 'tile-head' }, el('h2', { id: `tile-${tile.id}-title` }, tile.title), actions),
    el('div', { class: 'tile-body', 'data-state': 'loading' }, el('div', { class: 'skeleton', 'aria-hidden': 'true' })),
    el('footer', { class: 'tile-foot' }, el('span', { class: 'tile-range' }, tile.range ? tile.range.replaceAll('T00:00:00', '') : 'all time'), status));
}

async function filterValues(api, dashboard, filter) {
  if (filter.values.length > 0) return filter.values;
  // The values the reader may pick are those its own data holds, asked as any tile's metric grouped by the dimension.
  const metric = dashboard.tiles[0]?.metrics[0];
  if (!metric) return [];
  try {
    const answer = await api.json('/api/v1/metrics/query', { metrics: [metric], dimensions: [filter.dimension], limit: '200' });
    return answer.rows.map((r) => r[filter.dimension]).filter((v) => v !== null).map(String).sort();
  } catch {
    return [];
  }
}

/** Tiles drawn as charts (the chart library loads only for a dashboard with one). */
const isChart = (tile) => tile.kind === 'line' || tile.kind === 'bar';

/**
 * Asks for dashboard `name` and, the moment it answers, every tile's queries at once (and the chart library if a
 * tile is a chart), before anything is built: { dashboard, tiles, answers } promises. A page may start this before it
 * renders (app.js does for the first page, beside the session) and hand it to renderDashboard as options.loaded.
 * options: state ({ range, filters }), tile (only that tile); request: options for every request (api.js's).
 */
export function loadDashboard(api, name, options = {}, request = {}) {
  const params = new URLSearchParams();
  if (options.state?.range) params.set('range', options.state.range);
  for (const filter of options.state?.filters ?? []) params.append('filter', filter);
  const dashboard = api.get(`/api/v1/dashboards/${encodeURIComponent(name)}${params.size ? `?${params}` : ''}`, request);
  const tiles = dashboard.then((d) => (options.tile ? d.tiles.filter((t) => t.id === options.tile) : d.tiles));
  const answers = tiles.then((list) => {
    if (list.some(isChart)) loadCharts().catch(() => {}); // a chart tile reports the failure when it draws
    return list.map((tile) => {
      const answer = Promise.all([
        api.json('/api/v1/metrics/query', tile.query, request),
        tile.previous_query ? api.json('/api/v1/metrics/query', tile.previous_query, request) : null,
      ]);
      answer.catch(() => {}); // each tile shows its own failure when it draws
      return answer;
    });
  });
  for (const promise of [dashboard, tiles, answers]) promise.catch(() => {}); // whoever renders sees the failure
  return { dashboard, tiles, answers };
}

/**
 * Renders dashboard `name` into root. options: api ({ json, blob, get }), tile (only that tile: a single chart
 * embed), exports (offer CSV), state ({ range, filters }), onState (called when the reader changes them) and loaded
 * (loadDashboard's answer, when the page started it early). Resolves when every tile is drawn
 * (root.dataset.state = 'drawn').
 */
export async function renderDashboard(root, name, options) {
  const { api } = options;
  root.dataset.state = 'loading';
  const loaded = options.loaded ?? loadDashboard(api, name, options);
  const dashboard = await loaded.dashboard;
  const tiles = await loaded.tiles;
  if (options.tile && tiles.length === 0) throw Object.assign(new Error(`dashboard '${name}' has no tile '${options.tile}'`), { status: 404 });
  const answers = await loaded.answers;
  const charts = tiles.some(isChart) ? loadCharts() : null;

  const grid = el('div', { class: `tiles${options.tile ? ' single' : ''}` });
  const cards = tiles.map((tile) => tileCard(api, tile, options));
  grid.append(...cards);
  const parts = [];
  const selects = [];
  if (!options.tile) {
    parts.push(el('header', { class: 'dashboard-head' },
      el('h1', {}, dashboard.title),
      dashboard.description ? el('p', { class: 'description' }, dashboard.description) : null));
    const controls = el('form', { class: 'dashboard-filters', 'aria-label': 'Dashboard filters', onsubmit: (e) => e.preventDefault() });
    const rangeInput = el('input', { id: 'dashboard-range', name: 'range', value: options.state?.range ?? dashboard.range ?? '', placeholder: 'all time', list: 'dashboard-ranges' });
    controls.append(el('label', { for: 'dashboard-range' }, 'Range'), rangeInput,
      el('datalist', { id: 'dashboard-ranges' }, ...['today', 'last 7 days', 'last 30 days', 'this month', 'last month', 'last 12 months', 'this year'].map((r) => el('option', { value: r }))));
    for (const filter of dashboard.filters) {
      const id = `dashboard-filter-${filter.dimension.replaceAll('.', '-')}`;
      const applied = filter.applied ? filter.applied.split(':').slice(2).join(':').replaceAll('\\,', ',') : '';
      // The value in force is offered at once; the others join it once the tiles are drawn.
      const select = el('select', { id, name: filter.dimension }, el('option', { value: '', selected: applied === '' }, 'All'),
        applied !== '' ? el('option', { value: applied, selected: true }, applied) : null);
      controls.append(el('label', { for: id }, filter.label), select);
      selects.push({ filter, select, applied });
    }
    const apply = el('button', { type: 'submit' }, 'Apply');
    controls.append(apply);
    controls.addEventListener('submit', () => {
      // "All" on a filter with a default says so (dimension:all); left out, the server would apply the default again.
      const filters = selects
        .filter((s) => s.select.value !== '' || s.filter.default != null)
        .map((s) => (s.select.value === '' ? `${s.filter.dimension}:all` : `${s.filter.dimension}:eq:${s.select.value.replaceAll(',', '\\,')}`));
      options.onState?.({ range: rangeInput.value.trim() || undefined, filters });
    });
    parts.push(controls);
  }
  parts.push(grid);
  root.replaceChildren(...parts);
  // Every chart's width, read once now (one layout, while the answers are still on their way) rather than one forced
  // layout per chart as each draws.
  const widths = cards.map((card, i) => (isChart(tiles[i]) ? card.querySelector('.tile-body').clientWidth : 0));
  await Promise.all(tiles.map((tile, i) => drawTile(tile, cards[i], answers[i], charts, { ...options, chartWidth: widths[i] })));
  root.dataset.state = 'drawn';
  performance.mark('ladle-dashboard-drawn');
  // Filter values load after the tiles, never competing with them for the server or the browser's connections.
  for (const s of selects) {
    filterValues(api, dashboard, s.filter).then((values) => {
      for (const value of values) if (value !== s.applied) s.select.append(el('option', { value }, value));
    });
  }
  return dashboard;
}
