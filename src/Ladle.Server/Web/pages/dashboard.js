// /dashboards/:name: one dashboard as the signed-in principal; its range and filters live in the address.
import { api } from '../api.js';
import { loadDashboard, renderDashboard } from '../dashboard-view.js';

const stateOf = (query) => ({ range: query.get('range') ?? undefined, filters: query.getAll('filter') });

/** Asks for the dashboard and its tiles' answers while the shell still asks who is signed in (app.js calls it). */
export function prefetch({ params, query }) {
  return loadDashboard(api, params.name, { state: stateOf(query) }, { early: true });
}

export async function render(view) {
  const name = view.params.name;
  const query = view.query instanceof URLSearchParams ? view.query : new URLSearchParams(location.search);
  let loaded = view.prefetched ?? undefined;
  // Asked before the session was known: a refusal then is asked again, now as the session the shell settled on.
  if (loaded) await loaded.dashboard.catch(() => { loaded = undefined; });
  const dashboard = await renderDashboard(view.main, name, {
    api,
    loaded,
    exports: true,
    state: stateOf(query),
    onState: ({ range, filters }) => {
      const next = new URLSearchParams();
      if (range) next.set('range', range);
      for (const f of filters) next.append('filter', f);
      view.navigate(`/dashboards/${encodeURIComponent(name)}${next.size ? `?${next}` : ''}`);
    },
  });
  view.setTitle?.(dashboard.title);
}
