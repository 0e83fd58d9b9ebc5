// The embed page: /embed/dashboards/{name} and /embed/dashboards/{name}/tiles/{id}, framed by another site.
// It is authorised by its embed token only: the token comes in the URL fragment (#token=…, never sent to a server
// or written in logs), every request carries it as a bearer token and `credentials: 'omit'`, so a Ladle session
// cookie the browser may hold is never used. A refused token (expired, tampered) clears the page: nothing stays
// drawn and nothing can be exported. The frame reports its height to its parent (postMessage) and takes its theme
// from the token's `theme` claim or the query (?accent=&background=&text=&font=).
import { api, useBearer } from './api.js';
import { renderDashboard } from './dashboard-view.js';

const root = document.getElementById('embed');
const match = location.pathname.match(/^\/embed\/dashboards\/([A-Za-z0-9_]+)(?:\/tiles\/([A-Za-z0-9_]+))?\/?$/);
const token = new URLSearchParams(location.hash.slice(1)).get('token') ?? '';

function show(message) {
  root.replaceChildren();
  const p = document.createElement('p');
  p.className = 'embed-refused';
  p.setAttribute('role', 'alert');
  p.textContent = message;
  root.append(p);
  root.dataset.state = 'refused';
}

/** The token's claims, read only for display (the server verifies every request). */
function claims(jwt) {
  try {
    const part = jwt.split('.')[1].replaceAll('-', '+').replaceAll('_', '/');
    return JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(part), (c) => c.charCodeAt(0))));
  } catch {
    return {};
  }
}

const themeProperties = { accent: '--ladle-accent', background: '--ladle-background', text: '--ladle-text', font: '--ladle-font' };
// Colours and font names only: no url(), no semicolons or braces, so a theme cannot load anything or escape its property.
const safeValue = /^[#A-Za-z0-9 ,.'"%()-]{1,100}$/;

function applyTheme(fromToken) {
  const query = new URLSearchParams(location.search);
  for (const [key, property] of Object.entries(themeProperties)) {
    const value = query.get(key) ?? fromToken?.[key];
    if (typeof value === 'string' && safeValue.test(value) && !/url\s*\(/i.test(value)) document.documentElement.style.setProperty(property, value);
  }
  if (query.get('mode') === 'dark' || fromToken?.mode === 'dark') document.documentElement.dataset.mode = 'dark';
}

function reportHeight() {
  if (window.parent === window) return;
  const height = Math.ceil(document.documentElement.scrollHeight);
  // Only a height leaves the frame; the parent matches the frame by event.source.
  window.parent.postMessage({ type: 'ladle:resize', height, dashboard: match?.[1] ?? null, tile: match?.[2] ?? null }, '*');
}

async function main() {
  if (typeof ResizeObserver !== 'undefined') new ResizeObserver(reportHeight).observe(document.documentElement);
  if (!match) return show('Unknown embed address: use /embed/dashboards/NAME or /embed/dashboards/NAME/tiles/ID.');
  if (!token) return show('This embed needs an embed token (#token=…).');
  useBearer(token);
  const tokenClaims = claims(token);
  applyTheme(tokenClaims.theme);
  const expired = () => show('This embed has expired or its token is not valid. Reload the page that shows it.');
  // The server refuses an expired token on every request; the page also stops showing what it drew when it expires.
  if (typeof tokenClaims.exp === 'number') setTimeout(expired, Math.max(0, tokenClaims.exp * 1000 - Date.now()));
  try {
    await renderDashboard(root, match[1], { api, tile: match[2], exports: tokenClaims.export === true, chartHeight: match[2] ? 280 : 220, onRefused: expired });
  } catch (error) {
    if (error.status === 401) expired();
    else if (error.status === 404) show('This dashboard is not available to this embed.');
    else show(error.problem?.detail ?? 'This dashboard could not be shown.');
  }
  reportHeight();
}

main();
