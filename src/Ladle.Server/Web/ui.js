// Small DOM helpers shared by every page. Text is always set as text (never innerHTML), so no value from the API
// can become markup.

const svgNs = 'http://www.w3.org/2000/svg';

function build(element, attrs, children) {
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'on') for (const [event, handler] of Object.entries(value)) element.addEventListener(event, handler);
    else if (name === 'dataset') Object.assign(element.dataset, value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

/** Appends children: nodes, strings (as text), arrays of either; null and false are skipped. */
export function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

/** An HTML element: h('a', { href: '/ops', class: 'x' }, 'Ops'). */
export function h(tag, attrs, ...children) {
  return build(document.createElement(tag), attrs, children);
}

/** An SVG element. */
export function s(tag, attrs, ...children) {
  return build(document.createElementNS(svgNs, tag), attrs, children);
}

/** Replaces an element's content. */
export function replace(parent, ...children) {
  parent.replaceChildren();
  return append(parent, children);
}

/** A status badge (ok, warn, stale, failed, quarantined, published, …) with its word, never colour alone. */
export function badge(status) {
  const word = String(status ?? 'unknown').toLowerCase();
  return h('span', { class: `badge badge-${word.replace(/[^a-z_]/g, '')}` }, word);
}

/** A table from rows of cells; a cell may be a node, a string or null. */
export function table(caption, headers, rows, { className = 'grid' } = {}) {
  return h('table', { class: className },
    caption ? h('caption', {}, caption) : null,
    h('thead', {}, h('tr', {}, headers.map(title => h('th', { scope: 'col' }, title)))),
    h('tbody', {}, rows.map(cells => h('tr', {}, cells.map(cell => h('td', {}, cell ?? ''))))));
}

/** A labelled section with a heading (a landmark for screen readers). */
export function section(title, ...children) {
  const id = 'sec-' + title.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  return h('section', { 'aria-labelledby': id, class: 'card' }, h('h2', { id }, title), ...children);
}

/** An error message in an alert region: what the API said, never a stack. */
export function errorBox(error) {
  return h('div', { class: 'error', role: 'alert' }, error?.message ?? String(error));
}

/** A definition list from [term, value] pairs (values may be nodes); pairs with a null value are left out. */
export function facts(pairs) {
  return h('dl', { class: 'facts' }, pairs.filter(([, v]) => v !== null && v !== undefined && v !== '')
    .map(([term, value]) => [h('dt', {}, term), h('dd', {}, value)]));
}

const numberFormat = new Intl.NumberFormat('en', { maximumFractionDigits: 2 });

/** A number for people (1,234.5); null shows as a dash. */
export function num(value) {
  return value === null || value === undefined ? '–' : numberFormat.format(value);
}

/** An instant as the reader's local date and time, with the exact UTC instant in a tooltip. */
export function when(iso) {
  if (!iso) return '–';
  const date = new Date(iso);
  return h('time', { datetime: date.toISOString(), title: date.toISOString() }, date.toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' }));
}

/** Seconds as a short duration (3 h 20 min). */
export function duration(seconds) {
  if (seconds === null || seconds === undefined) return '–';
  const s = Math.round(Math.abs(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
}

/** An internal link: the shell's router takes it without reloading the page. */
export function link(href, ...children) {
  return h('a', { href }, ...children);
}
