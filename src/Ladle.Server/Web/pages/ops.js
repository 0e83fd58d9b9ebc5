// Ops: every dataset's status and why, the runs and their outcomes, open incidents, schedules, syncs and (for
// admins) the audit log. Each section reads the public API as the signed-in principal.
import { getJson } from '../api.js';
import { badge, duration, errorBox, h, num, replace, section, table, when } from '../ui.js';

const datasetLink = name => h('a', { href: `/datasets/${encodeURIComponent(name)}` }, name);

export async function render({ main, session, signal }) {
  const optional = p => p.catch(error => (error.name === 'AbortError' ? Promise.reject(error) : error));
  const [health, runs, incidents, schedules, syncs] = await Promise.all([
    optional(getJson('/api/v1/health', { signal })),
    optional(getJson('/api/v1/runs', { query: { limit: 50 }, signal })),
    optional(getJson('/api/v1/incidents', { query: { open: true }, signal })),
    optional(getJson('/api/v1/schedules', { signal })),
    // Syncs and the audit log are an admin's: nobody else asks for them (the API would refuse).
    session?.admin ? optional(getJson('/api/v1/syncs', { signal })) : null,
  ]);
  replace(main,
    h('h1', { tabindex: '-1' }, 'Ops'),
    statusSection(health),
    incidentsSection(incidents),
    runsSection(runs),
    schedulesSection(schedules),
    syncs ? syncsSection(syncs) : null,
    session?.admin ? auditSection(signal) : null);
}

function statusSection(health) {
  if (health instanceof Error) return section('Datasets', errorBox(health));
  const counts = Object.entries(health.counts).map(([status, count]) => [badge(status), ` ${count}  `]);
  return section('Datasets',
    h('p', { id: 'project-status' }, 'Project ', h('strong', {}, health.project), ': ', badge(health.status), ' · ', counts),
    health.writes && health.writes.status !== 'ok'
      ? h('p', { class: 'error', role: 'alert' }, `Ladle cannot write: ${health.writes.reason}. Reads go on; nothing refreshes.`) : null,
    h('div', { class: 'scroll' }, table(null, ['Dataset', 'Status', 'Why', 'Since', 'Served'], health.datasets.map(d => [
      datasetLink(d.dataset), badge(d.status), d.reason, when(d.since), d.version ? ['v', String(d.version), ' · ', when(d.published_at)] : 'not published']),
    { className: 'grid statuses' })));
}

function incidentsSection(incidents) {
  if (incidents instanceof Error) return section('Open incidents', errorBox(incidents));
  return section('Open incidents', incidents.incidents.length === 0 ? h('p', { class: 'empty' }, 'No open incident.') :
    table(null, ['Dataset', 'Kind', 'Why', 'Opened'], incidents.incidents.map(i => [datasetLink(i.dataset), i.kind, i.reason, when(i.opened_at)])));
}

function runsSection(runs) {
  if (runs instanceof Error) return section('Runs', errorBox(runs));
  return section('Runs', runs.runs.length === 0 ? h('p', { class: 'empty' }, 'No run yet.') :
    h('div', { class: 'scroll' }, table('The 50 newest runs', ['Dataset', 'Version', 'Outcome', 'Trigger', 'Started', 'Took', 'Rows', 'Error'], runs.runs.map(r => [
      datasetLink(r.dataset), `v${r.version}`, badge(r.status), r.trigger, when(r.started_at), r.seconds === null ? '–' : duration(r.seconds), num(r.row_count), r.error]),
    { className: 'grid runs' })));
}

function schedulesSection(schedules) {
  if (schedules instanceof Error) return section('Schedules', errorBox(schedules));
  return section('Schedules', schedules.schedules.length === 0 ? h('p', { class: 'empty' }, 'No dataset you may see runs on a schedule.') :
    table('Cron schedules, in UTC', ['Dataset', 'Schedule', 'Next run', 'Last run'], schedules.schedules.map(s => [
      datasetLink(s.dataset), h('code', {}, s.schedule), when(s.next_run_at),
      s.last_run ? [badge(s.last_run.status), ` v${s.last_run.version} `, when(s.last_run.started_at)] : 'never']), { className: 'grid schedules' }));
}

function syncsSection(syncs) {
  if (syncs instanceof Error) return section('Syncs', errorBox(syncs));
  return section('Syncs', syncs.length === 0 ? h('p', { class: 'empty' }, 'The project has no sync.') :
    table(null, ['Sync', 'From', 'To', 'Schedule', 'Last run'], syncs.map(s => [
      s.name, datasetLink(s.dataset), s.destination, s.schedule ?? (s.on_publish ? 'on publish' : 'on demand'),
      s.last_run ? [badge(s.last_run.status ?? 'unknown'), ' ', when(s.last_run.started_at)] : 'never'])));
}

function auditSection(signal) {
  const principal = h('input', { id: 'audit-principal', type: 'text', name: 'principal', autocomplete: 'off' });
  const dataset = h('input', { id: 'audit-dataset', type: 'text', name: 'dataset', autocomplete: 'off' });
  const since = h('select', { id: 'audit-since', name: 'since' }, ['1h', '1d', '7d', '30d'].map(v => h('option', { value: v, selected: v === '1d' }, v)));
  const results = h('div', { id: 'audit-results', 'aria-live': 'polite' });
  const form = h('form', { class: 'filters', role: 'search', 'aria-label': 'Search the audit log' },
    h('div', {}, h('label', { for: 'audit-principal' }, 'Principal'), principal),
    h('div', {}, h('label', { for: 'audit-dataset' }, 'Dataset'), dataset),
    h('div', {}, h('label', { for: 'audit-since' }, 'Since'), since),
    h('button', { type: 'submit' }, 'Search audit'));
  form.addEventListener('submit', async event => {
    event.preventDefault();
    replace(results, h('p', { class: 'loading', role: 'status' }, 'Searching…'));
    try {
      const audit = await getJson('/api/v1/audit', { query: { principal: principal.value.trim(), dataset: dataset.value.trim(), since: since.value, limit: 200 }, signal });
      replace(results, audit.entries.length === 0 ? h('p', { class: 'empty' }, 'No entry matches.') :
        h('div', { class: 'scroll' }, table(`${audit.entries.length} entries, newest first`, ['At', 'Principal', 'Interface', 'Target', 'Action', 'Status', 'Rows', 'ms'], audit.entries.map(e => [
          when(e.at), e.principal, e.interface, e.target, e.action, badge(e.status), num(e.rows), num(e.duration_ms)]), { className: 'grid audit' })));
    } catch (error) {
      replace(results, errorBox(error));
    }
  });
  return section('Audit', h('p', { class: 'help' }, 'Who read what, and what was refused (admins only).'), form, results);
}
