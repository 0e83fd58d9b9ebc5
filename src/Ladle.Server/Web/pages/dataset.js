// A dataset's page: what it is, whether it can be trusted now, where it comes from and how to use it.
import { getJson, seg } from '../api.js';
import { badge, facts, h, replace, section, table, when } from '../ui.js';

export async function render({ main, params, signal, setTitle }) {
  const name = params.name;
  setTitle(name);
  const detail = await getJson(`/api/v1/datasets/${seg(name)}`, { signal });
  const d = detail.dataset;
  replace(main,
    h('h1', { tabindex: '-1' }, d.name, ' ', badge(d.status)),
    d.description ? h('p', { class: 'lead' }, d.description) : null,
    section('About', facts([['Domain', d.domain], ['Owner', d.owner], ['Materialization', d.materialization], ['Version', d.version ? `v${d.version}` : 'not published'], ['Published', d.published_at ? when(d.published_at) : null]])),
    section('Columns', detail.columns
      ? table(null, ['Column', 'Type', 'Description', 'PII'], detail.columns.map(c => [h('code', {}, c.name), c.type, c.description, c.pii ? badge(c.masked ? `pii · ${c.masked}` : 'pii') : '']))
      : h('p', { class: 'empty' }, detail.columns_unavailable)));
}
