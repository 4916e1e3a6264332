// Passerelle's single-page application: routing, session, navigation.
import { h, clear, announce } from './dom.js';
import { get, post, ApiError } from './api.js';
import { ROLE } from './labels.js';

// Each page's module is loaded when a page of it is first shown: a young
// person's phone loads young.js, not the company's, school's or admin's
// pages (the browser keeps the modules once loaded).
const lazy = (load, name) => async (ctx) => (await load())[name](ctx);
const auth = () => import('./auth.js');
const company = () => import('./company.js');
const school = () => import('./school.js');
const stats = () => import('./stats.js');
const admin = () => import('./admin.js');
const young = () => import('./young.js');
const integrations = () => import('./integrations.js');
const signInPage = lazy(auth, 'signInPage');
const invitationPage = lazy(auth, 'invitationPage');
const offersPage = lazy(company, 'offersPage');
const offerFormPage = lazy(company, 'offerFormPage');
const offerPage = lazy(company, 'offerPage');
const graduatesPage = lazy(school, 'graduatesPage');
const graduateFormPage = lazy(school, 'graduateFormPage');
const importPage = lazy(school, 'importPage');
const graduatePage = lazy(school, 'graduatePage');
const requestsPage = lazy(school, 'requestsPage');
const statsPage = lazy(stats, 'statsPage');
const adminPage = lazy(admin, 'adminPage');
const teamPage = lazy(admin, 'teamPage');
const journalPage = lazy(admin, 'journalPage');
const integrationsPage = lazy(integrations, 'integrationsPage');
const youngOffersPage = lazy(young, 'youngOffersPage');
const youngDataPage = lazy(young, 'youngDataPage');

const state = { me: null };

const SCHOOLISH = ['ROLE_SCHOOL', 'ROLE_PARTNER'];
const YOUNG = ['ROLE_GRADUATE', 'ROLE_GUARDIAN'];
// The organizations that set up integrations (their administrators).
const ORGANIZATIONS = ['ROLE_COMPANY', 'ROLE_SCHOOL', 'ROLE_PARTNER'];
const routes = [
  { re: /^\/connexion$/, page: signInPage, public: true },
  { re: /^\/invitations\/([^/]+)$/, page: invitationPage, public: true },
  { re: /^\/offres$/, page: offersPage, roles: ['ROLE_COMPANY'] },
  { re: /^\/offres\/nouvelle$/, page: offerFormPage, roles: ['ROLE_COMPANY'] },
  { re: /^\/offres\/([^/]+)\/modifier$/, page: offerFormPage, roles: ['ROLE_COMPANY'] },
  { re: /^\/offres\/([^/]+)$/, page: offerPage, roles: ['ROLE_COMPANY', 'ROLE_ADMIN'] },
  { re: /^\/jeunes$/, page: graduatesPage, roles: SCHOOLISH },
  { re: /^\/jeunes\/nouveau$/, page: graduateFormPage, roles: SCHOOLISH },
  { re: /^\/jeunes\/import$/, page: importPage, roles: SCHOOLISH },
  { re: /^\/jeunes\/([^/]+)\/modifier$/, page: graduateFormPage, roles: SCHOOLISH },
  { re: /^\/jeunes\/([^/]+)$/, page: graduatePage, roles: [...SCHOOLISH, 'ROLE_ADMIN'] },
  { re: /^\/demandes$/, page: requestsPage, roles: SCHOOLISH },
  { re: /^\/statistiques$/, page: statsPage, roles: [...SCHOOLISH, 'ROLE_ADMIN'] },
  { re: /^\/admin(?:\/([a-z]+))?$/, page: adminPage, roles: ['ROLE_ADMIN'] },
  { re: /^\/equipe$/, page: teamPage },
  { re: /^\/journal$/, page: journalPage, roles: ORGANIZATIONS },
  { re: /^\/integrations$/, page: integrationsPage, roles: ORGANIZATIONS },
  { re: /^\/mes-offres$/, page: youngOffersPage, roles: YOUNG },
  { re: /^\/mes-donnees$/, page: youngDataPage, roles: YOUNG },
];

function homeFor(me) {
  if (!me) return '/connexion';
  switch (me.role) {
    case 'ROLE_COMPANY': return '/offres';
    case 'ROLE_SCHOOL': case 'ROLE_PARTNER': return '/jeunes';
    case 'ROLE_ADMIN': return '/admin/organisations';
    case 'ROLE_GRADUATE': case 'ROLE_GUARDIAN': return '/mes-offres';
    default: return '/connexion';
  }
}

function navItems(me) {
  if (!me) return [];
  const items = [];
  if (me.role === 'ROLE_COMPANY') {
    items.push(['/offres', 'Mes offres'], ['/offres/nouvelle', 'Nouvelle offre']);
  } else if (SCHOOLISH.includes(me.role)) {
    items.push(['/jeunes', 'Jeunes'], ['/jeunes/nouveau', 'Ajouter un·e jeune'], ['/jeunes/import', 'Import CSV'], ['/demandes', 'Demandes'], ['/statistiques', 'Statistiques']);
  } else if (me.role === 'ROLE_ADMIN') {
    items.push(['/admin/organisations', 'Organisations'], ['/admin/invitations', 'Invitations'], ['/admin/utilisateurs', 'Utilisateurs'], ['/admin/jetons', 'Jetons'], ['/admin/journal', 'Journal'], ['/statistiques', 'Statistiques']);
  }
  if (YOUNG.includes(me.role)) return [['/mes-offres', me.role === 'ROLE_GUARDIAN' ? 'Offres' : 'Mes offres'], ['/mes-donnees', me.role === 'ROLE_GUARDIAN' ? 'Données' : 'Mes données']];
  if (me.organizationAdmin && me.role !== 'ROLE_ADMIN') items.push(['/equipe', 'Équipe'], ['/journal', 'Journal']);
  // Administrators set up integrations; anyone of a school or partner
  // exports its placements there.
  if (ORGANIZATIONS.includes(me.role) && (me.organizationAdmin || SCHOOLISH.includes(me.role))) {
    items.push(['/integrations', 'Intégrations']);
  }
  return items;
}

function renderChrome() {
  const nav = clear(document.getElementById('nav'));
  const account = clear(document.getElementById('account'));
  const me = state.me;
  const path = location.pathname;
  const items = navItems(me);
  if (items.length) {
    // The current item: the longest link that the path is, or is under.
    const under = (href) => path === href || path.startsWith(`${href}/`);
    const current = items.map(([href]) => href).filter(under).sort((a, b) => b.length - a.length)[0];
    const ul = h('ul');
    for (const [href, text] of items) {
      ul.append(h('li', null, h('a', { href, 'aria-current': href === current ? 'page' : null }, text)));
    }
    nav.append(ul);
    if (SCHOOLISH.includes(me.role)) refreshRequestCount();
  }
  if (me) {
    account.append(
      h('span', { class: 'who' }, ROLE[me.role] || me.role),
      h('button', { type: 'button', class: 'secondary', onclick: signOut }, 'Se déconnecter'));
  }
}

// The count of open requests of the young people, next to "Demandes" in a
// school's or partner's navigation (one small call per page shown).
let countCall = 0;
async function refreshRequestCount() {
  const mine = ++countCall;
  let n = 0;
  try {
    const r = await get('/v1/graduateRequests', { state: 'GRADUATE_REQUEST_STATE_OPEN', pageSize: 100 });
    n = (r.requests || []).length;
    if (r.nextPageToken) n = `${n}+`;
  } catch (e) { return; }
  const link = document.querySelector('#nav a[href="/demandes"]');
  if (!link || mine !== countCall) return;
  link.querySelector('.nav-count')?.remove();
  if (n) link.append(h('span', { class: 'nav-count' }, ' ', h('span', { class: 'count' }, String(n)), h('span', { class: 'visually-hidden' }, ` ouverte${n === 1 ? '' : 's'}`)));
}
document.addEventListener('passerelle:requests-changed', () => {
  if (state.me && SCHOOLISH.includes(state.me.role)) refreshRequestCount();
});

async function signOut() {
  try { await post('/v1/sessions:signOut', {}); } catch (e) { /* the cookie may be gone already */ }
  state.me = null;
  announce('Vous êtes déconnecté·e.');
  navigate('/connexion');
}

export async function loadMe() {
  try {
    state.me = await get('/v1/whoami');
  } catch (e) {
    if (e instanceof ApiError && (e.status === 401 || e.status === 403)) state.me = null;
    else throw e;
  }
  return state.me;
}

export function navigate(path, { replace = false } = {}) {
  if (replace) history.replaceState({}, '', path);
  else history.pushState({}, '', path);
  return route();
}

function notFound(main, text) {
  main.append(h('h1', null, 'Page introuvable'), h('p', null, text || "Cette page n'existe pas ou vous n'y avez pas accès."),
    h('p', null, h('a', { href: '/' }, "Retour à l'accueil")));
}

let routing = 0;
let firstRender = true;
export async function route() {
  const mine = ++routing;
  const main = document.getElementById('main');
  const path = location.pathname.replace(/\/+$/, '') || '/';
  const found = routes.map((r) => ({ r, m: r.re.exec(path) })).find((x) => x.m);
  if (!found || !found.r.public) {
    if (state.me === null) {
      try { await loadMe(); } catch (e) { /* shown below */ }
    }
    if (!state.me) {
      if (path !== '/connexion') sessionStorage.setItem('psl_after', path === '/' ? '' : location.pathname + location.search);
      history.replaceState({}, '', '/connexion');
      return route();
    }
  }
  if (mine !== routing) return undefined;
  if (path === '/') return navigate(homeFor(state.me), { replace: true });
  clear(main);
  renderChrome();
  const ctx = {
    main, me: state.me, params: found ? found.m.slice(1) : [], navigate, loadMe, afterSignIn, home: () => homeFor(state.me),
    query: new URLSearchParams(location.search),
  };
  if (!found) {
    document.title = 'Page introuvable — Passerelle';
    notFound(main);
  } else if (found.r.roles && !found.r.roles.includes(state.me.role)) {
    document.title = 'Page introuvable — Passerelle';
    notFound(main);
  } else {
    try {
      await found.r.page(ctx);
    } catch (e) {
      if (mine !== routing) return undefined;
      if (e instanceof ApiError && e.status === 401) {
        state.me = null;
        history.replaceState({}, '', '/connexion');
        return route();
      }
      clear(main);
      if (e instanceof ApiError && (e.status === 404 || e.status === 403)) {
        document.title = 'Page introuvable — Passerelle';
        notFound(main, e.status === 404 ? "Cette page n'existe pas ou vous n'y avez pas accès." : `Accès refusé : ${e.message}`);
      } else {
        main.append(h('h1', null, 'Erreur'), h('div', { class: 'banner error', role: 'alert' }, e.message || String(e)));
      }
    }
  }
  const h1 = main.querySelector('h1');
  if (h1 && !document.title.includes(h1.textContent)) document.title = `${h1.textContent} — Passerelle`;
  // After a navigation within the application, focus goes to the new
  // page's heading (screen readers announce it); on the first load the
  // browser's own order applies (the skip link comes first).
  const first = firstRender;
  firstRender = false;
  if (mine === routing && ctx.focus !== false && !first) {
    const target = h1 || main;
    target.setAttribute('tabindex', '-1');
    target.focus({ preventScroll: false });
  }
  return undefined;
}

export function afterSignIn() {
  const after = sessionStorage.getItem('psl_after');
  sessionStorage.removeItem('psl_after');
  return navigate(after || homeFor(state.me), { replace: true });
}

document.addEventListener('click', (e) => {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = e.target.closest('a');
  if (!a || a.target || a.hasAttribute('download')) return;
  const href = a.getAttribute('href');
  if (!href || !href.startsWith('/') || href.startsWith('/v1/') || href.startsWith('//')) return;
  if (/\.[a-z0-9]+$/i.test(href.split('?')[0])) return;
  e.preventDefault();
  navigate(href);
});
window.addEventListener('popstate', () => route());

route();
