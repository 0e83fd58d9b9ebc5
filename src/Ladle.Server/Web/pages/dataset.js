// A dataset's page: what it is, whether it can be trusted now and why, where it comes from, what it holds, and how
// to use it. Every figure comes from the public API as the signed-in principal: what it may not see is not shown.
import { getJson, request, seg } from '../api.js';
import { badge, duration, errorBox, facts, h, num, replace, s, section, table, when } from '../ui.js';
import { snippets } from './snippets.js';

const operators = [
  ['eq', '='], ['ne', '≠'], ['lt', '<'], ['le', '≤'], ['gt', '>'], ['ge', '≥'], ['like', 'like'], ['in', 'in (a,b)'], ['isnull', 'is null'], ['notnull', 'is not null'],
];

export async function render({ main, params, query, session, signal, setTitle }) {
  const name = params.name;
  setTitle(name);
  const path = `/api/v1/datasets/${seg(name)}`;
  // The catalog entry first (a 404 here is the page's answer); the rest in parallel, each section on its own.
  const detail = await getJson(path, { signal });
  const d = detail.dataset;
  const optional = p => p.catch(error => error);
  const [health, versions, lineage] = await Promise.all([
    optional(getJson(`${path}/health`, { signal })),
    optional(getJson(`${path}/versions`, { signal })),
    optional(getJson(`${path}/lineage`, { signal })),
  ]);
  const preview = h('div', { id: 'preview' });
  const use = h('div', { id: 'use-it' });
  replace(main,
    h('h1', { tabindex: '-1' }, d.name, ' ', badge(d.status)),
    d.description ? h('p', { class: 'lead' }, d.description) : null,
    h('div', { class: 'two' },
      section('About', facts([
        ['Domain', d.domain], ['Owner', d.owner], ['Materialization', d.materialization],
        ['Schedule', d.schedule ? h('code', {}, d.schedule) : null], ['Primary key', detail.primary_key?.length ? detail.primary_key.join(', ') : null],
        ['Source', detail.source], ['Served version', d.version ? `v${d.version}` : 'not published'], ['Published', d.published_at ? when(d.published_at) : null],
      ])),
      statusSection(health)),
    section('Columns', columns(detail)),
    checksSection(health),
    versionsSection(versions),
    lineageSection(lineage, d.name),
    section('Preview', preview),
    section('Use it', use));
  const columnList = detail.columns ?? [];
  renderPreview(preview, use, path, d, columnList, query, session, signal);
}

function statusSection(health) {
  if (health instanceof Error) return section('Status', errorBox(health));
  const slo = health.freshness;
  return section('Status',
    h('p', { id: 'status-line' }, badge(health.status), ' ', health.reason ?? 'Every check passes and the data is fresh.',
      health.since ? [' (since ', when(health.since), ')'] : null),
    health.latest_attempt && health.latest_attempt.version !== health.served_version
      ? h('p', { class: 'notice' }, `The newest attempt, v${health.latest_attempt.version}, is ${health.latest_attempt.status}`,
        health.latest_attempt.error ? `: ${health.latest_attempt.error}` : '', health.served_version ? `; v${health.served_version} is still served.` : '.')
      : null,
    health.open_incidents.length ? h('ul', { class: 'incidents' }, health.open_incidents.map(i => h('li', {}, badge('open'), ` ${i.kind}: ${i.reason} (since `, when(i.opened_at), ')'))) : null,
    slo ? h('div', { id: 'slo' },
      h('h3', {}, 'Freshness SLO'),
      facts([
        ['Promise', `published less than ${slo.max_age} ago, ${num(slo.objective * 100)}% of the time over ${slo.window}`],
        ['Attained', [`${num(slo.attainment * 100)}% `, badge(slo.met ? 'ok' : 'failed'), slo.met ? ' met' : ' missed']],
        ['Stale for', duration(slo.stale_seconds)],
        ['Error budget left', [
          h('meter', { min: 0, max: slo.budget_total_seconds || 1, value: Math.max(0, slo.budget_left_seconds), 'aria-label': 'error budget left' }),
          ` ${duration(Math.max(0, slo.budget_left_seconds))} of ${duration(slo.budget_total_seconds)}`]],
      ])) : h('p', { class: 'help' }, 'No freshness promise is declared.'));
}

function columns(detail) {
  if (!detail.columns) return h('p', { class: 'empty' }, detail.columns_unavailable);
  return h('div', { class: 'scroll' }, table(null, ['Column', 'Type', 'Description', 'PII'], detail.columns.map(c => [
    h('code', {}, c.name), c.type, c.description,
    c.pii ? [badge('pii'), c.masked ? ` masked for you (${c.masked})` : ' in clear for you'] : ''])));
}

function checksSection(health) {
  if (health instanceof Error) return section('Checks', errorBox(health));
  const attempt = health.latest_attempt_checks.filter(c => c.version !== health.served_version);
  const block = (title, results) => results.length === 0 ? null : [
    h('h3', {}, title),
    h('ul', { class: 'checks' }, results.map(c => h('li', { class: 'check', dataset: { check: c.check, version: c.version ?? '' } },
      h('p', {}, badge(c.outcome), ' ', h('strong', {}, c.check), ` (${c.kind}, ${c.severity})`, c.version ? ` on v${c.version}` : ''),
      h('p', { class: 'help' }, c.message),
      c.withheld ? h('p', { class: 'help' }, 'Withheld: ', c.withheld) : null,
      sample(c.sample)))),
  ];
  const served = block(`On the served version${health.served_version ? ` (v${health.served_version})` : ''}`, health.checks);
  const newest = block('On the newest attempt', attempt);
  return section('Checks', served ?? newest ? [served, newest] : h('p', { class: 'empty' }, 'No check has run on this dataset.'));
}

function sample(value) {
  if (value === null || value === undefined) return null;
  const rows = Array.isArray(value) ? value : value.rows ?? [value];
  if (rows.length === 0 || typeof rows[0] !== 'object') return h('pre', {}, JSON.stringify(value, null, 2));
  const names = Object.keys(rows[0]);
  return h('div', { class: 'scroll' }, table('Failing rows (sample)', names, rows.map(r => names.map(n => cell(r[n])))));
}

function versionsSection(versions) {
  if (versions instanceof Error) return section('Versions', errorBox(versions));
  if (versions.versions.length === 0) return section('Versions', h('p', { class: 'empty' }, 'Never built: a live dataset answers from its source, or a table dataset that has not run yet.'));
  return section('Versions',
    versions.withheld ? h('p', { class: 'help' }, 'Withheld: ', versions.withheld) : null,
    h('div', { class: 'scroll' }, table(null, ['Version', 'Status', 'Trigger', 'Started', 'Took', 'Rows', 'Error'], versions.versions.map(v => [
      `v${v.version}`, badge(v.status), v.trigger, when(v.started_at),
      v.finished_at ? duration((new Date(v.finished_at) - new Date(v.started_at)) / 1000) : '–', num(v.row_count), v.error]), { className: 'grid versions' })));
}

function lineageSection(lineage, self) {
  if (lineage instanceof Error) return section('Lineage', errorBox(lineage));
  const inputs = lineage.nodes.filter(n => n.depth < 0).map(n => n.name);
  const dependents = lineage.nodes.filter(n => n.depth > 0).map(n => n.name);
  return section('Lineage',
    h('p', {}, inputs.length ? ['Built from ', list(inputs), '. '] : 'Read from its source directly. ',
      dependents.length ? ['Used by ', list(dependents), '.'] : 'No dataset you may see is built from it.'),
    lineage.nodes.length > 1 ? graph(lineage, self) : null);
}

function list(names) {
  return names.flatMap((n, i) => [i ? ', ' : '', h('a', { href: `/datasets/${encodeURIComponent(n)}` }, n)]);
}

/** The lineage as a left-to-right SVG graph: one column per depth, inputs left, dependents right; nodes are links. */
function graph(lineage, self) {
  const width = 170, height = 34, gapX = 70, gapY = 18;
  const depths = [...new Set(lineage.nodes.map(n => n.depth))].sort((a, b) => a - b);
  const at = new Map();
  let rows = 0;
  depths.forEach((depth, col) => {
    const column = lineage.nodes.filter(n => n.depth === depth);
    column.forEach((n, row) => at.set(n.name, { x: col * (width + gapX), y: row * (height + gapY), node: n }));
    rows = Math.max(rows, column.length);
  });
  const w = depths.length * (width + gapX) - gapX, hgt = rows * (height + gapY) - gapY;
  const edges = lineage.edges.filter(e => at.has(e.from) && at.has(e.to)).map(e => {
    const a = at.get(e.from), b = at.get(e.to);
    const x1 = a.x + width, y1 = a.y + height / 2, x2 = b.x, y2 = b.y + height / 2, mx = (x1 + x2) / 2;
    return s('path', { class: 'edge', d: `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2 - 6},${y2}`, 'marker-end': 'url(#arrow)' });
  });
  const nodes = [...at.values()].map(({ x, y, node }) => {
    const label = node.name.length > 20 ? node.name.slice(0, 19) + '…' : node.name;
    const box = s('g', { class: `node${node.name === self ? ' self' : ''}`, transform: `translate(${x},${y})` },
      s('title', {}, `${node.name} (${node.status})`),
      s('rect', { width, height, rx: 6 }),
      s('text', { x: 10, y: 22 }, label, ' · ', node.status));
    return node.name === self ? box : s('a', { href: `/datasets/${encodeURIComponent(node.name)}`, 'aria-label': `${node.name}, ${node.status}` }, box);
  });
  return h('div', { class: 'lineage' }, s('svg', { viewBox: `-2 -2 ${w + 4} ${hgt + 4}`, width: w + 4, height: hgt + 4, role: 'img', 'aria-label': `Lineage of ${self}` },
    s('defs', {}, s('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 8, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' },
      s('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#8a94a3' }))),
    edges, nodes));
}

function cell(value) {
  if (value === null || value === undefined) return h('span', { class: 'null' }, 'null');
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** The rows preview: filters (column, operator, value), a page of rows, the next page; the snippets follow the filters. */
function renderPreview(preview, use, path, dataset, columnList, query, session, signal) {
  const filters = query.getAll('filter');
  const list = h('ul', { class: 'filter-list', 'aria-label': 'Filters' });
  const results = h('div', { id: 'preview-rows', 'aria-live': 'polite' });
  const column = h('select', { id: 'filter-column' }, columnList.map(c => h('option', { value: c.name }, c.name)));
  const op = h('select', { id: 'filter-op' }, operators.map(([value, label]) => h('option', { value }, label)));
  const value = h('input', { id: 'filter-value', type: 'text', autocomplete: 'off' });
  const limit = h('select', { id: 'preview-limit' }, [20, 50, 100].map(n => h('option', { value: n }, String(n))));
  const form = h('form', { class: 'filters', 'aria-label': 'Add a filter' },
    h('div', {}, h('label', { for: 'filter-column' }, 'Column'), column),
    h('div', {}, h('label', { for: 'filter-op' }, 'Operator'), op),
    h('div', {}, h('label', { for: 'filter-value' }, 'Value'), value),
    h('button', { type: 'submit' }, 'Add filter'),
    h('div', {}, h('label', { for: 'preview-limit' }, 'Rows'), limit));
  form.addEventListener('submit', event => {
    event.preventDefault();
    const needsValue = !['isnull', 'notnull'].includes(op.value);
    filters.push(`${column.value}:${op.value}${needsValue ? ':' + value.value : ''}`);
    value.value = '';
    load();
  });
  limit.addEventListener('change', () => load());
  let controller = null;

  async function load(cursor) {
    if (signal.aborted) return;
    controller?.abort();
    controller = new AbortController();
    signal.addEventListener('abort', () => controller.abort(), { once: true });
    const url = new URL(location.href);
    url.searchParams.delete('filter');
    for (const f of filters) url.searchParams.append('filter', f);
    history.replaceState(null, '', url.pathname + url.search);
    replace(list, filters.map((f, i) => h('li', {}, h('code', {}, f), ' ',
      h('button', { type: 'button', class: 'secondary', 'aria-label': `Remove filter ${f}`, on: { click: () => { filters.splice(i, 1); load(); } } }, 'Remove'))));
    replace(use, snippets({ path, dataset, filters, limit: Number(limit.value), session, columns: columnList }));
    replace(results, h('p', { class: 'loading', role: 'status' }, 'Loading rows…'));
    try {
      const response = await request(`${path}/rows`, { query: { filter: filters, limit: limit.value, cursor }, signal: controller.signal });
      const page = await response.json();
      const names = page.columns.map(c => c.name);
      replace(results,
        h('p', { class: 'help', role: 'status' }, `${num(page.row_count)} row${page.row_count === 1 ? '' : 's'}`,
          page.data?.version ? ` from v${page.data.version}` : '', page.data?.status ? [' · ', badge(page.data.status)] : ''),
        h('div', { class: 'scroll' }, table(`Rows of ${dataset.name}`, names, page.rows.map(r => names.map(n => cell(r[n]))), { className: 'grid rows' })),
        page.next_cursor ? h('button', { type: 'button', class: 'secondary', on: { click: () => load(page.next_cursor) } }, 'Next page') : null);
    } catch (error) {
      if (error.name !== 'AbortError') replace(results, errorBox(error));
    }
  }
  replace(preview, columnList.length ? form : null, list, results);
  load();
}
