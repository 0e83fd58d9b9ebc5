// "Use it": the same rows the preview shows, as a curl call, SQL over the PostgreSQL wire protocol, Python and C#.
// Snippets take the token from LADLE_TOKEN: the page never knows the signed-in token (it lives in an HTTP-only cookie).
import { apiUrl } from '../api.js';
import { h } from '../ui.js';

const sqlOps = { eq: '=', ne: '<>', lt: '<', le: '<=', gt: '>', ge: '>=', like: 'LIKE' };
const numeric = new Set(['integer', 'decimal', 'double', 'float', 'number', 'bigint']);

/** A filter parameter (column:op:value) split into its parts; the value keeps its colons. */
function parse(filter) {
  const [column, op, ...rest] = filter.split(':');
  return { column, op, value: rest.join(':') };
}

function ident(name) {
  return /^[a-z_][a-z0-9_]*$/.test(name) ? name : `"${name.replaceAll('"', '""')}"`;
}

function literal(value, type) {
  return numeric.has(type) && /^-?\d+(\.\d+)?$/.test(value) ? value : `'${value.replaceAll("'", "''")}'`;
}

/** Values of `in`/`between`: comma-separated, `\,` a comma inside a value (as the API reads them). */
function values(text) {
  return text.split(/(?<!\\),/).map(v => v.replaceAll('\\,', ','));
}

/** The SQL a filter stands for, or null when it cannot be written (an operator SQL lacks here). */
function condition({ column, op, value }, type) {
  const c = ident(column);
  if (op in sqlOps) return `${c} ${sqlOps[op]} ${literal(value, type)}`;
  if (op === 'isnull') return `${c} IS NULL`;
  if (op === 'notnull') return `${c} IS NOT NULL`;
  if (op === 'in') return `${c} IN (${values(value).map(v => literal(v, type)).join(', ')})`;
  if (op === 'between') { const [a, b] = values(value); return `${c} BETWEEN ${literal(a, type)} AND ${literal(b ?? '', type)}`; }
  return null;
}

function shellQuote(text) {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** The snippets for a dataset's rows with these filters: tabs of code, each with a copy button. */
export function snippets({ path, dataset, filters, limit, session, columns = [] }) {
  const rowsUrl = apiUrl(`${path}/rows`, { filter: filters, limit });
  const csvUrl = apiUrl(`${path}/rows`, { filter: filters, format: 'csv' });
  const types = Object.fromEntries(columns.map(c => [c.name, c.type]));
  const where = filters.map(parse).map(f => condition(f, types[f.column])).filter(Boolean);
  const table = `${ident(dataset.domain ?? 'public')}.${ident(dataset.name)}`;
  const sql = `SELECT * FROM ${table}${where.length ? ' WHERE ' + where.join(' AND ') : ''} LIMIT ${limit}`;
  const pg = session?.postgres;
  const user = session?.method === 'token' ? session.principal : '<principal>';
  const pyParams = [...filters.map(f => `("filter", ${JSON.stringify(f)})`), `("limit", "${limit}")`].join(', ');
  const tabs = [
    ['curl', [
      `curl -H "Authorization: Bearer $LADLE_TOKEN" ${shellQuote(rowsUrl.href)}`,
      `# every row as CSV, streamed`,
      `curl -H "Authorization: Bearer $LADLE_TOKEN" -o ${dataset.name}.csv ${shellQuote(csvUrl.href)}`,
    ].join('\n')],
    ['SQL', [
      pg ? `PGPASSWORD="$LADLE_TOKEN" psql "host=${pg.host} port=${pg.port} user=${user} sslmode=require" \\` : '# SQL clients connect when the server runs with --pg (the PostgreSQL wire protocol); the password is an API token',
      pg ? `  -c ${shellQuote(sql)}` : sql,
    ].join('\n')],
    ['Python', [
      'import os, requests',
      '',
      `response = requests.get(`,
      `    ${JSON.stringify(`${location.origin}${path}/rows`)},`,
      `    params=[${pyParams}],`,
      `    headers={"Authorization": "Bearer " + os.environ["LADLE_TOKEN"]},`,
      ')',
      'response.raise_for_status()',
      'rows = response.json()["rows"]',
    ].join('\n')],
    ['C#', [
      'using System.Net.Http.Headers;',
      'using System.Net.Http.Json;',
      'using System.Text.Json;',
      '',
      `using var http = new HttpClient { BaseAddress = new Uri(${JSON.stringify(location.origin)}) };`,
      'http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Environment.GetEnvironmentVariable("LADLE_TOKEN"));',
      `var page = await http.GetFromJsonAsync<JsonElement>(${JSON.stringify(rowsUrl.pathname + rowsUrl.search)});`,
      'foreach (var row in page.GetProperty("rows").EnumerateArray()) Console.WriteLine(row);',
    ].join('\n')],
  ];
  const id = n => 'snippet-' + n.toLowerCase().replace('#', 'sharp');
  const panels = tabs.map(([name, code], i) => h('div', { role: 'tabpanel', id: id(name), 'aria-labelledby': id(name) + '-tab', hidden: i > 0 },
    h('pre', { tabindex: '0' }, h('code', {}, code)),
    h('button', { type: 'button', class: 'secondary', on: { click: event => copy(event.currentTarget, code) } }, `Copy ${name}`)));
  const buttons = tabs.map(([name], i) => h('button', {
    type: 'button', role: 'tab', id: id(name) + '-tab', 'aria-controls': id(name), 'aria-selected': i === 0 ? 'true' : 'false', tabindex: i === 0 ? '0' : '-1',
    on: { click: () => select(i), keydown: event => arrows(event, i) },
  }, name));
  function select(index) {
    buttons.forEach((b, i) => { b.setAttribute('aria-selected', String(i === index)); b.tabIndex = i === index ? 0 : -1; });
    panels.forEach((p, i) => { p.hidden = i !== index; });
    buttons[index].focus();
  }
  function arrows(event, i) {
    if (event.key === 'ArrowRight') select((i + 1) % tabs.length);
    else if (event.key === 'ArrowLeft') select((i + tabs.length - 1) % tabs.length);
  }
  return [
    h('p', { class: 'help' }, 'The rows of the preview, from your own code. Set ', h('code', {}, 'LADLE_TOKEN'), ' to an API token of yours.'),
    h('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Use it from' }, buttons),
    panels,
  ];
}

async function copy(button, text) {
  try {
    await navigator.clipboard.writeText(text);
    button.textContent = 'Copied';
  } catch {
    button.textContent = 'Select the text to copy';
  }
}
