// The page shell: who is signed in, the navigation, and a client-side router that loads one module per page.
import { ApiError, session as fetchSession, signOut } from './api.js';
import { errorBox, h, replace } from './ui.js';
import { routes } from './routes.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const who = document.getElementById('who');

let current = null; // { controller } of the page being shown
let me = null;      // the session: { signed_in, principal, method, admin, dev }

function match(pathname) {
  for (const route of routes) {
    const names = [];
    const pattern = new RegExp('^' + route.path.replace(/:([a-z]+)/g, (_, name) => { names.push(name); return '([^/]+)'; }) + '/?$');
    const found = pattern.exec(pathname);
    if (found) return { route, params: Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(found[i + 1])])) };
  }
  return null;
}

function drawChrome(pathname) {
  replace(nav, me?.signed_in ? h('ul', {}, routes.filter(r => r.nav).map(r =>
    h('li', {}, h('a', { href: r.path, 'aria-current': (r.path === '/' ? pathname === '/' || pathname.startsWith('/datasets/') : pathname.startsWith(r.path)) ? 'page' : null }, r.nav)))) : null);
  if (!me?.signed_in) { replace(who); return; }
  const name = me.method === 'dev' ? 'local user (--dev)' : me.principal;
  replace(who,
    h('span', { class: 'principal', title: `signed in as ${me.principal} (${me.method})` }, name),
    me.admin ? h('span', { class: 'badge badge-admin' }, 'admin') : null,
    me.method === 'token' ? h('button', { type: 'button', class: 'link', id: 'sign-out', on: { click: doSignOut } }, 'Sign out') : null);
}

async function doSignOut() {
  await signOut();
  me = { signed_in: false, dev: me?.dev };
  navigate('/signin', { replace: true });
}

/** Shows the page at a path; internal links and history use it, so the page never reloads. */
export async function navigate(to, { replace: replaceEntry = false, push = true } = {}) {
  const url = new URL(to, location.origin);
  if (push) history[replaceEntry ? 'replaceState' : 'pushState'](null, '', url.pathname + url.search + url.hash);
  current?.controller.abort();
  const controller = new AbortController();
  current = { controller };
  const found = match(url.pathname);
  if (!found) {
    drawChrome(url.pathname);
    document.title = 'Not found · Ladle';
    replace(main, h('h1', { tabindex: '-1' }, 'Page not found'), h('p', {}, 'Ladle has no page at ', h('code', {}, url.pathname), '. ', h('a', { href: '/' }, 'Back to the catalog')));
    return;
  }
  if (!found.route.public && !me?.signed_in) {
    navigate('/signin?next=' + encodeURIComponent(url.pathname + url.search), { replace: true });
    return;
  }
  drawChrome(url.pathname);
  document.title = `${found.route.title} · Ladle`;
  main.setAttribute('aria-busy', 'true');
  try {
    const page = await import(`./${found.route.module}`);
    if (controller.signal.aborted) return;
    // Each page renders into its own element: a page still finishing after the reader moved on writes into an
    // element no longer shown, never over the next page.
    const view = h('div', { class: 'page' });
    main.replaceChildren(view);
    // What the first page asked for before the session answered, if it is still this page.
    const prefetched = early?.path === url.pathname + url.search ? await early.data : null;
    early = null;
    await page.render({
      main: view, params: found.params, query: url.searchParams, session: me, signal: controller.signal, navigate, prefetched,
      setTitle: title => { document.title = `${title} · Ladle`; },
      refreshSession: async () => { me = await fetchSession(); },
    });
  } catch (error) {
    if (controller.signal.aborted || error?.name === 'AbortError') return;
    if (error instanceof ApiError && error.status === 401) return; // the unauthorized handler signs out
    replace(main, h('h1', { tabindex: '-1' }, error instanceof ApiError && error.status === 404 ? 'Not found' : 'Something went wrong'), errorBox(error));
  } finally {
    if (current?.controller === controller) main.removeAttribute('aria-busy');
  }
  // Move focus to the page's heading, so keyboard and screen-reader users start at the new content.
  if (!controller.signal.aborted && push) (main.querySelector('h1') ?? main).focus({ preventScroll: true });
}

// Internal links go through the router; modified clicks (new tab), downloads and other origins do not.
document.addEventListener('click', event => {
  const a = event.target.closest?.('a[href]');
  if (!a || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  // getAttribute, not .href/.target: on an SVG link (the lineage graph) those are SVGAnimatedString objects.
  if (a.getAttribute('target') || a.hasAttribute('download') || a.dataset.reload !== undefined) return;
  const url = new URL(a.getAttribute('href'), location.href);
  if (url.origin !== location.origin || url.pathname.startsWith('/api/') || url.pathname.startsWith('/ui/')) return;
  if (url.pathname === location.pathname && url.search === location.search && url.hash) return; // in-page anchor
  event.preventDefault();
  navigate(url.pathname + url.search + url.hash);
});

addEventListener('popstate', () => navigate(location.pathname + location.search, { push: false }));

// The API said the caller is not signed in (a revoked token, a cleared cookie): go to sign-in, then come back.
addEventListener('ladle:unauthorized', () => {
  me = { signed_in: false, dev: me?.dev };
  if (location.pathname !== '/signin') navigate('/signin?next=' + encodeURIComponent(location.pathname + location.search), { replace: true });
});

// The first page's module (already preloaded by the shell) is evaluated, and its data asked for when the page says
// how (an exported prefetch), while the session is asked: in parallel, not one after the other.
let early = null;
const first = match(location.pathname);
if (first) {
  early = {
    path: location.pathname + location.search,
    data: import(`./${first.route.module}`)
      .then((page) => page.prefetch?.({ params: first.params, query: new URLSearchParams(location.search) }) ?? null)
      .catch(() => null),
  };
}

let unreachable = null;
try {
  me = await fetchSession();
} catch (error) {
  unreachable = error;
}
if (unreachable) replace(main, h('h1', { tabindex: '-1' }, 'Ladle is not answering'), errorBox(unreachable));
else await navigate(location.pathname + location.search + location.hash, { push: false });
