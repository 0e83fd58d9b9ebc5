// The one way the UI talks to Ladle: the public REST API, as the signed-in principal (the HTTP-only sign-in cookie,
// sent by the browser) or, on embedded pages, as an embed token. No page calls fetch itself.

/** The header every request sends: a cookie-authenticated POST/DELETE without it is refused (CSRF). */
const csrfHeader = 'X-Ladle-Csrf';

let bearer = null;

/** Embedded pages authenticate with an embed token instead of the sign-in cookie (which they never send). */
export function useBearer(token) {
  bearer = token;
}

/** An answer that was not 2xx: the problem document's title, detail and type, and the HTTP status. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem ?? {};
  }
}

/** A URL of the API with query parameters; an array value repeats the parameter (filter=…&filter=…). */
export function apiUrl(path, query = {}) {
  const url = new URL(path, location.origin);
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    for (const v of Array.isArray(value) ? value : [value]) url.searchParams.append(name, String(v));
  }
  return url;
}

/**
 * Calls the API and answers the Response (for headers, or bodies that are not JSON); throws ApiError on a non-2xx
 * answer, after telling the shell (event 'ladle:unauthorized') when the caller is no longer signed in, unless `early`
 * (a request sent before the session is known, whose 401 the session's answer explains).
 */
export async function request(path, { method = 'GET', query, body, signal, accept = 'application/json', early = false } = {}) {
  const headers = { Accept: accept, [csrfHeader]: '1' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  const response = await fetch(apiUrl(path, query), {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: bearer ? 'omit' : 'same-origin',
    cache: 'no-store',
    signal,
  });
  if (!response.ok) {
    let problem = null;
    try { problem = await response.json(); } catch { /* not a problem document */ }
    if (response.status === 401 && !bearer && !early) dispatchEvent(new CustomEvent('ladle:unauthorized', { detail: problem }));
    throw new ApiError(response.status, problem);
  }
  return response;
}

/** Calls the API and answers its JSON body (null for 204). */
export async function getJson(path, options = {}) {
  const response = await request(path, options);
  return response.status === 204 ? null : response.json();
}

/** POSTs a JSON body and answers the JSON reply. */
export function postJson(path, body, options = {}) {
  return getJson(path, { ...options, method: 'POST', body });
}

/** Who is signed in: { signed_in, principal, method, admin, dev, reason }. */
export function session(signal) {
  return getJson('/api/v1/session', { signal });
}

/** Signs in with an API token; the server keeps it in an HTTP-only cookie. */
export function signIn(token) {
  return postJson('/api/v1/session', { token });
}

/** Signs out: the server clears the cookie. */
export function signOut() {
  return request('/api/v1/session', { method: 'DELETE' });
}

/**
 * The API as the dashboards, embeds and the metric explorer use it: GET JSON, POST JSON, POST for a file (CSV). It
 * carries whatever credentials this page holds (the sign-in cookie, or the embed token given to useBearer).
 */
export const api = {
  get: (path, options = {}) => getJson(path, options),
  json: (path, body, options = {}) => postJson(path, body, options),
  blob: async (path, body, options = {}) => (await request(path, { ...options, method: 'POST', body, accept: 'text/csv' })).blob(),
};

/** A path segment, encoded. */
export const seg = encodeURIComponent;
