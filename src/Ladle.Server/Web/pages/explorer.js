// /explore: the metric explorer (explorer-view.js) as a page of the UI, as the signed-in principal.
import { api } from '../api.js';
import { renderExplorer } from '../explorer-view.js';

export async function render(view) {
  view.setTitle?.('Metric explorer');
  await renderExplorer(view.main, { api });
}
