// Every page of the UI: its path (":name" is a parameter), the module under pages/ that renders it, its title and
// whether it is in the main navigation. The server answers the same paths with the shell (WebUi/WebPages.cs).
// A page module exports `async render(view)`, view = { main, params, query, session, signal, navigate, setTitle,
// refreshSession }: it fills `main` (starting with an h1) from the API and stops its work when `signal` aborts.
export const routes = [
  // Sign-in, catalog, dataset, ops (issue 13 items 1, 2, 5).
  { path: '/', module: 'pages/catalog.js', title: 'Catalog', nav: 'Catalog' },
  { path: '/datasets/:name', module: 'pages/dataset.js', title: 'Dataset' },
  { path: '/ops', module: 'pages/ops.js', title: 'Ops', nav: 'Ops' },
  { path: '/signin', module: 'pages/signin.js', title: 'Sign in', public: true },
  // Metric explorer and dashboards (issue 13 items 3, 4) are added below.
  { path: '/explore', module: 'pages/explorer.js', title: 'Metric explorer', nav: 'Explore' },
  { path: '/dashboards', module: 'pages/dashboards.js', title: 'Dashboards', nav: 'Dashboards' },
  { path: '/dashboards/:name', module: 'pages/dashboard.js', title: 'Dashboard' },
];
