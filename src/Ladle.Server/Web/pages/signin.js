// Sign-in with an API token: the server checks it and keeps it in an HTTP-only cookie this page never sees again.
import { signIn } from '../api.js';
import { errorBox, h, replace } from '../ui.js';

/** Only paths of this site are followed after sign-in (never another origin, never an API URL). */
function safeNext(query) {
  const next = query.get('next') ?? '/';
  return next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/api/') ? next : '/';
}

export async function render({ main, query, session, navigate, refreshSession }) {
  if (session?.signed_in && session.method !== 'dev') {
    navigate(safeNext(query), { replace: true });
    return;
  }
  const status = h('div', { id: 'signin-status' });
  const token = h('input', {
    id: 'token', name: 'token', type: 'password', autocomplete: 'current-password', required: true, spellcheck: 'false',
    'aria-describedby': 'token-help', placeholder: 'ldl_…',
  });
  const button = h('button', { type: 'submit' }, 'Sign in');
  const form = h('form', { class: 'signin card', novalidate: true },
    h('label', { for: 'token' }, 'API token'),
    token,
    h('p', { id: 'token-help', class: 'help' }, 'An API token of your principal. An admin creates one with ', h('code', {}, 'ladle tokens create --principal NAME'), '. It is kept in an HTTP-only cookie for this browser session.'),
    button,
    status);
  form.addEventListener('submit', async event => {
    event.preventDefault();
    if (!token.value.trim()) {
      replace(status, errorBox(new Error('Enter an API token.')));
      token.focus();
      return;
    }
    button.disabled = true;
    replace(status, h('p', { role: 'status' }, 'Signing in…'));
    try {
      await signIn(token.value.trim());
      token.value = '';
      await refreshSession();
      navigate(safeNext(query), { replace: true });
    } catch (error) {
      replace(status, errorBox(error));
      token.focus();
    } finally {
      button.disabled = false;
    }
  });
  replace(main,
    h('h1', { tabindex: '-1' }, 'Sign in to Ladle'),
    session?.reason ? h('p', { class: 'notice', role: 'status' }, 'You were signed out: ', session.reason) : null,
    session?.dev ? h('p', { class: 'notice' }, 'This server runs with --dev: without signing in you browse as the local user. ', h('a', { href: '/' }, 'Continue as the local user')) : null,
    form);
  token.focus();
}
