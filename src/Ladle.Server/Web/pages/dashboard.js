// /dashboards/:name: one dashboard as the signed-in principal; its range and filters live in the address.
import { dashboardApi, renderDashboard } from '../dashboard-view.js';

export async function render(view) {
  const name = view.params.name;
  const query = view.query instanceof URLSearchParams ? view.query : new URLSearchParams(location.search);
  const dashboard = await renderDashboard(view.main, name, {
    api: dashboardApi,
    exports: true,
    state: { range: query.get('range') ?? undefined, filters: query.getAll('filter') },
    onState: ({ range, filters }) => {
      const next = new URLSearchParams();
      if (range) next.set('range', range);
      for (const f of filters) next.append('filter', f);
      view.navigate(`/dashboards/${encodeURIComponent(name)}${next.size ? `?${next}` : ''}`);
    },
  });
  view.setTitle?.(dashboard.title);
}
