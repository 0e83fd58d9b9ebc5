// The metric explorer: pick metrics, dimensions, grain, range, zone and filters; the answer is drawn (a line over
// time, bars over a dimension's values) and tabled, and `explain` says what answered (cache, rollup, query) with the
// engine's SQL, beside the same query for curl and for SQL clients (MEASURE over metrics.<model>). Only the public
// API is used, as the signed-in principal; the query lives in the address so it can be shared.
import { answerTable, drawChart, formatNumber, loadCharts } from './charts.js';

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

/** The query the form states, as the metrics API's JSON body. */
function queryOf(state) {
  const body = { metrics: state.metrics, dimensions: state.dimensions, filters: state.filters };
  if (state.granularity || state.range || state.zone) body.time = { granularity: state.granularity || null, range: state.range || null, zone: state.zone || null };
  if (state.limit) body.limit = state.limit;
  return body;
}

function stateFromAddress() {
  const q = new URLSearchParams(location.search);
  const list = (name) => (q.get(name) ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  return {
    metrics: list('metrics'), dimensions: list('dimensions'), granularity: q.get('granularity') ?? '', range: q.get('range') ?? '',
    zone: q.get('zone') ?? '', filters: q.getAll('filter'), limit: q.get('limit') ?? '',
  };
}

function addressOf(state) {
  const q = new URLSearchParams();
  if (state.metrics.length) q.set('metrics', state.metrics.join(','));
  if (state.dimensions.length) q.set('dimensions', state.dimensions.join(','));
  for (const key of ['granularity', 'range', 'zone', 'limit']) if (state[key]) q.set(key, state[key]);
  for (const f of state.filters) q.append('filter', f);
  return q;
}

function shellQuote(text) {
  return `'${text.replaceAll("'", "'\\''")}'`;
}

/** The same query for curl (GET with query parameters, the token from $LADLE_TOKEN). */
export function curlOf(state) {
  return `curl -s -H "Authorization: Bearer $LADLE_TOKEN" ${shellQuote(`${location.origin}/api/v1/metrics/query?${addressOf(state)}`)}`;
}

function sqlLiteral(value) {
  return /^-?\d+(\.\d+)?$/.test(value) ? value : `'${value.replaceAll("'", "''")}'`;
}

/** The same query for SQL clients over the PostgreSQL wire protocol, when its metrics share one model. */
export function sqlOf(state, catalog) {
  const models = new Set(state.metrics.map((m) => catalog.get(m)?.models?.[0]).filter(Boolean));
  if (models.size !== 1) return '-- these metrics live in different models; SQL clients ask one model (metrics.<model>) at a time';
  const model = [...models][0];
  const columns = state.dimensions.map((d) => (d.includes('.') ? `"${d}"` : d));
  if (state.granularity) columns.push(`date_trunc('${state.granularity}', metric_time) AS metric_time`);
  const groups = columns.map((_, i) => i + 1);
  const select = [...columns, ...state.metrics.map((m) => `MEASURE(${m})`)];
  const where = [];
  const notes = [];
  const ops = { eq: '=', ne: '<>', lt: '<', le: '<=', gt: '>', ge: '>=' };
  for (const f of state.filters) {
    const [name, op, ...rest] = f.split(':');
    if (ops[op]) where.push(`${name.includes('.') ? `"${name}"` : name} ${ops[op]} ${sqlLiteral(rest.join(':'))}`);
    else notes.push(`-- filter ${f} has no plain SQL form here`);
  }
  const range = state.range.match(/^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$/);
  if (range) where.push(`metric_time >= DATE '${range[1]}' AND metric_time < DATE '${range[2]}'`);
  else if (state.range) notes.push(`-- range '${state.range}': write it as dates in WHERE metric_time >= … AND metric_time < …`);
  return [
    ...notes,
    `SELECT ${select.join(', ')}`,
    `FROM metrics.${model}`,
    where.length ? `WHERE ${where.join(' AND ')}` : null,
    groups.length ? `GROUP BY ${groups.join(', ')}` : null,
  ].filter(Boolean).join('\n');
}

function checkboxes(name, options, selected, onChange) {
  return el('div', { class: 'choices', role: 'group' }, ...options.map((option) => el('label', {},
    el('input', { type: 'checkbox', name, value: option, checked: selected.includes(option), onchange: onChange }), option)));
}

/** Mounts the explorer into root; api is { json, get, blob } for the signed-in principal. */
export async function renderExplorer(root, { api }) {
  const charts = loadCharts();
  const catalog = new Map((await api.get('/api/v1/metrics')).metrics.map((m) => [m.name, m]));
  const state = stateFromAddress();
  state.metrics = state.metrics.filter((m) => catalog.has(m));

  const form = el('form', { class: 'explorer-form', 'aria-label': 'Metric query' });
  const output = el('div', { class: 'explorer-output' });
  const chart = el('div', { class: 'explorer-chart', 'data-state': 'empty' });
  const table = el('div', { class: 'explorer-table' });
  const explain = el('div', { class: 'explorer-explain' });
  const status = el('p', { class: 'explorer-status', role: 'status', 'aria-live': 'polite' });
  output.append(status, chart, table, explain);
  root.replaceChildren(el('h1', {}, 'Metric explorer'), el('div', { class: 'explorer' }, form, output));

  function read() {
    const checked = (name) => [...form.querySelectorAll(`input[name="${name}"]:checked`)].map((i) => i.value);
    state.metrics = checked('metric');
    state.dimensions = checked('dimension');
    state.granularity = form.querySelector('#explorer-grain').value;
    state.range = form.querySelector('#explorer-range').value.trim();
    state.zone = form.querySelector('#explorer-zone').value.trim();
    state.filters = form.querySelector('#explorer-filters').value.split('\n').map((s) => s.trim()).filter(Boolean);
    state.limit = form.querySelector('#explorer-limit').value.trim();
  }

  function layout() {
    const chosen = state.metrics.map((m) => catalog.get(m)).filter(Boolean);
    // Only dimensions and grains every chosen metric offers.
    const common = (pick) => (chosen.length === 0 ? [] : chosen.map(pick).reduce((a, b) => a.filter((x) => b.includes(x))));
    const dimensions = common((m) => m.dimensions);
    const grains = common((m) => m.granularities);
    state.dimensions = state.dimensions.filter((d) => dimensions.includes(d));
    if (state.granularity && !grains.includes(state.granularity)) state.granularity = '';
    form.replaceChildren(
      el('fieldset', {}, el('legend', {}, 'Metrics'), checkboxes('metric', [...catalog.keys()], state.metrics, () => { read(); layout(); })),
      el('fieldset', {}, el('legend', {}, 'Group by'), dimensions.length ? checkboxes('dimension', dimensions, state.dimensions, read) : el('p', { class: 'empty' }, chosen.length ? 'No dimension shared by these metrics.' : 'Pick a metric first.')),
      el('div', { class: 'field' }, el('label', { for: 'explorer-grain' }, 'Grain'),
        el('select', { id: 'explorer-grain' }, el('option', { value: '' }, 'none (one row per group)'), ...grains.map((g) => el('option', { value: g, selected: g === state.granularity }, g)))),
      el('div', { class: 'field' }, el('label', { for: 'explorer-range' }, 'Range'), el('input', { id: 'explorer-range', value: state.range, placeholder: 'last 12 months, 2026-01-01..2026-04-01' })),
      el('div', { class: 'field' }, el('label', { for: 'explorer-zone' }, 'Zone'), el('input', { id: 'explorer-zone', value: state.zone, placeholder: chosen[0]?.zones?.[0] ?? 'Europe/Berlin' })),
      el('div', { class: 'field' }, el('label', { for: 'explorer-filters' }, 'Filters (one per line: region:eq:europe)'), el('textarea', { id: 'explorer-filters', rows: '3' }, state.filters.join('\n'))),
      el('div', { class: 'field' }, el('label', { for: 'explorer-limit' }, 'Limit'), el('input', { id: 'explorer-limit', value: state.limit, inputmode: 'numeric', placeholder: '1000' })),
      el('div', {}, el('button', { type: 'submit', id: 'explorer-run' }, 'Run'), ' ', el('button', { type: 'button', id: 'explorer-explain', onclick: () => { read(); runExplain(); } }, 'Explain')));
  }

  async function runExplain() {
    if (state.metrics.length === 0) return;
    explain.replaceChildren(el('p', {}, 'Explaining…'));
    try {
      const x = await api.json('/api/v1/metrics/query', { ...queryOf(state), explain: true });
      explain.replaceChildren(
        el('h2', {}, 'What answers this query'),
        el('p', {}, 'Answered by ', el('span', { class: 'answered-by', 'data-answered-by': x.answered_by }, x.answered_by),
          ` on ${x.engine} (${x.dialect}); planned in ${formatNumber(x.plan_milliseconds)} ms, compiled in ${formatNumber(x.compile_milliseconds)} ms.`,
          x.not_cached_reason ? ` Not cached: ${x.not_cached_reason}.` : ''),
        x.rollups.length ? el('ul', { class: 'rollups' }, ...x.rollups.map((r) => el('li', {}, `${r.rollup}: ${r.used ? 'used' : 'not used'} — ${r.reason}`))) : null,
        el('h3', {}, 'SQL the engine runs'), el('pre', { class: 'engine-sql' }, x.sql),
        el('h3', {}, 'The same query with curl'), el('pre', { class: 'curl' }, curlOf(state)),
        el('h3', {}, 'The same query from a SQL client'), el('pre', { class: 'client-sql' }, sqlOf(state, catalog)));
    } catch (error) {
      explain.replaceChildren(el('p', { class: 'error', role: 'alert' }, error.problem?.detail ?? error.message),
        el('h3', {}, 'The same query with curl'), el('pre', { class: 'curl' }, curlOf(state)));
    }
  }

  async function run() {
    if (state.metrics.length === 0) {
      status.textContent = 'Pick at least one metric.';
      return;
    }
    history.replaceState(null, '', `${location.pathname}?${addressOf(state)}`);
    status.textContent = 'Running…';
    chart.dataset.state = 'loading';
    const started = performance.now();
    try {
      const [answer] = await Promise.all([api.json('/api/v1/metrics/query', queryOf(state)), charts]);
      const ms = Math.round(performance.now() - started);
      status.textContent = `${answer.row_count} row(s) in ${ms} ms, answered by ${answer.data?.answered_by ?? '?'} (data ${answer.data?.status ?? '?'}).`;
      const drawable = answer.rows.length > 0 && (state.granularity || state.dimensions.length > 0);
      if (drawable) drawChart(chart, answer, state.metrics, { height: 320 });
      else {
        chart.replaceChildren(answer.rows.length ? el('p', { class: 'kpi-value' }, state.metrics.map((m) => formatNumber(answer.rows[0][m])).join(' · ')) : el('p', { class: 'empty' }, 'No rows.'));
        chart.dataset.chart = JSON.stringify({ kind: 'value', labels: [], series: state.metrics.map((m) => ({ name: m, values: answer.rows.map((r) => r[m]) })) });
        chart.dataset.state = 'drawn';
      }
      table.replaceChildren(answerTable(answer, 'Answer'));
      await runExplain();
    } catch (error) {
      chart.dataset.state = 'failed';
      status.textContent = '';
      chart.replaceChildren(el('p', { class: 'error', role: 'alert' }, error.problem?.detail ?? error.message));
      table.replaceChildren();
    }
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    read();
    run();
  });
  layout();
  if (state.metrics.length) await run();
}
