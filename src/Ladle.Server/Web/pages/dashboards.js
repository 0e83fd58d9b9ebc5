// /dashboards: the dashboards of dashboards/*.yaml the signed-in principal may open.
import { api } from '../api.js';

export async function render(view) {
  view.setTitle?.('Dashboards');
  const { dashboards } = await api.get('/api/v1/dashboards');
  const h1 = Object.assign(document.createElement('h1'), { textContent: 'Dashboards' });
  const list = document.createElement('ul');
  list.className = 'dashboard-list';
  for (const d of dashboards) {
    const item = document.createElement('li');
    const link = Object.assign(document.createElement('a'), { href: `/dashboards/${encodeURIComponent(d.name)}`, textContent: d.title });
    item.append(link, d.description ? ` — ${d.description}` : '', ` (${d.tiles} tiles)`);
    list.append(item);
  }
  view.main.replaceChildren(h1, dashboards.length ? list : Object.assign(document.createElement('p'), { textContent: 'No dashboard you may open: add one under dashboards/ in the project.' }));
}
