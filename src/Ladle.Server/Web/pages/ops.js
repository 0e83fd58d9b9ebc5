// Ops: every dataset's status now.
import { getJson } from '../api.js';
import { badge, h, replace, section, table, when } from '../ui.js';

export async function render({ main, signal }) {
  const health = await getJson('/api/v1/health', { signal });
  replace(main,
    h('h1', { tabindex: '-1' }, 'Ops'),
    section('Datasets', table(null, ['Dataset', 'Status', 'Why', 'Since', 'Version'], health.datasets.map(d => [
      h('a', { href: `/datasets/${encodeURIComponent(d.dataset)}` }, d.dataset), badge(d.status), d.reason, when(d.since), d.version ? `v${d.version}` : '–']))));
}
