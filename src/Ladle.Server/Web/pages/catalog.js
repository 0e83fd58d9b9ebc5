// The catalog: every dataset the caller may see, searched by name, domain, owner, description or column.
import { getJson } from '../api.js';
import { badge, errorBox, h, replace, when } from '../ui.js';

export async function render({ main, query, signal }) {
  const input = h('input', { id: 'catalog-q', type: 'search', name: 'q', value: query.get('q') ?? '', autocomplete: 'off', 'aria-describedby': 'catalog-q-help' });
  const results = h('div', { id: 'catalog-results', 'aria-live': 'polite' });
  const form = h('form', { class: 'search', role: 'search' },
    h('label', { for: 'catalog-q' }, 'Search datasets'),
    input,
    h('button', { type: 'submit' }, 'Search'),
    h('p', { id: 'catalog-q-help', class: 'help' }, 'Name, domain, owner, description or column; every word must match.'));
  replace(main, h('h1', { tabindex: '-1' }, 'Catalog'), form, results);

  let pending = null;
  async function search(q) {
    pending?.abort();
    pending = new AbortController();
    const stop = () => pending.abort();
    signal.addEventListener('abort', stop, { once: true });
    try {
      const catalog = await getJson('/api/v1/datasets', { query: { q }, signal: pending.signal });
      replace(results, list(catalog.datasets, q));
    } catch (error) {
      if (error.name !== 'AbortError') replace(results, errorBox(error));
    } finally {
      signal.removeEventListener('abort', stop);
    }
  }
  let timer = 0;
  // Nothing of this page outlives it: a search typed just before the reader left must not rewrite the next
  // page's history entry.
  signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => submit(), 200);
  });
  form.addEventListener('submit', event => {
    event.preventDefault();
    submit();
  });
  function submit() {
    clearTimeout(timer);
    if (signal.aborted) return;
    const q = input.value.trim();
    history.replaceState(null, '', q ? `/?q=${encodeURIComponent(q)}` : '/');
    search(q);
  }
  await search(input.value.trim());
}

function list(datasets, q) {
  if (datasets.length === 0)
    return h('p', { class: 'empty' }, q ? `No dataset you may see matches "${q}".` : 'No dataset is visible to you.');
  return [
    h('p', { class: 'count', role: 'status' }, `${datasets.length} dataset${datasets.length === 1 ? '' : 's'}`),
    h('ul', { class: 'catalog' }, datasets.map(d => h('li', { class: 'card dataset-card', dataset: { dataset: d.name } },
      h('h2', {}, h('a', { href: `/datasets/${encodeURIComponent(d.name)}` }, d.name), ' ', badge(d.status)),
      d.description ? h('p', {}, d.description) : null,
      h('p', { class: 'meta' },
        d.domain ? h('span', {}, 'domain ', h('strong', {}, d.domain)) : null,
        d.owner ? h('span', {}, 'owner ', h('strong', {}, d.owner)) : null,
        h('span', {}, d.materialization),
        d.version ? h('span', {}, `v${d.version} published `, when(d.published_at)) : h('span', {}, 'not published')),
      d.matched?.length ? h('p', { class: 'matched' }, 'matched: ', d.matched.join(', ')) : null))),
  ];
}
