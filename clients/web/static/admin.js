// Federation administration: organizations, invitations, users, tokens, the
// audit log. An organization's own admin gets invitations and users of its
// organization (the "Équipe" page) and the part of the audit log that
// concerns it (the "Journal" page).
import { h, clear, field, banner, clearErrors, showError, announce, table, badge, formatDate } from './dom.js';
import { get, post, ApiError } from './api.js';
import { ROLE, USER_STATE, label } from './labels.js';
import { communeField } from './combobox.js';

const TABS = [['organisations', 'Organisations'], ['invitations', 'Invitations'], ['utilisateurs', 'Utilisateurs'], ['jetons', 'Jetons'], ['journal', "Journal d'audit"]];

export async function adminPage(ctx) {
  const tab = ctx.params[0] || 'organisations';
  const title = (TABS.find(([k]) => k === tab) || [])[1];
  if (!title) throw new ApiError(404, { error: { code: 404, message: 'Page introuvable' } });
  ctx.main.append(h('h1', null, `Administration — ${title}`));
  const orgs = await loadOrganizations();
  if (tab === 'organisations') return organizations(ctx, orgs);
  if (tab === 'invitations') return invitations(ctx, orgs);
  if (tab === 'utilisateurs') return users(ctx, orgs);
  if (tab === 'jetons') return tokens(ctx, orgs);
  return audit(ctx, orgs);
}

export async function teamPage(ctx) {
  ctx.main.append(h('h1', null, 'Équipe de mon organisation'));
  if (!ctx.me.organizationAdmin) {
    ctx.main.append(h('p', null, "Seul·es les administrateur·rices de l'organisation gèrent son équipe."));
    return;
  }
  const orgs = { list: [{ id: ctx.me.organizationId, name: 'Mon organisation', role: ctx.me.role }], byId: new Map() };
  orgs.byId.set(ctx.me.organizationId, orgs.list[0]);
  let reload = null;
  invitations(ctx, orgs, { fixed: true, onInvited: () => reload && reload() });
  reload = await users(ctx, orgs, { fixed: true });
}

export async function journalPage(ctx) {
  ctx.main.append(h('h1', null, "Journal d'audit de mon organisation"));
  if (!ctx.me.organizationAdmin) {
    ctx.main.append(h('p', null, "Seul·es les administrateur·rices de l'organisation lisent son journal d'audit."));
    return;
  }
  ctx.main.append(h('p', { class: 'muted' }, ['ROLE_SCHOOL', 'ROLE_PARTNER'].includes(ctx.me.role)
    ? 'Les connexions et modifications de votre organisation ; les accès à vos jeunes donnés à une Mission locale ou retirés, et chacune de ses consultations de ces jeunes (qui, quand, depuis quelle adresse) ; vos propres consultations des jeunes qu’une école vous a confié·es.'
    : 'Les connexions et modifications de votre organisation : qui, quand, quelle opération, depuis quelle adresse.'));
  // Names for the organizations the entries mention: schools are a public
  // directory, partners one for schools and partners; a list this caller
  // may not read leaves its ids shown as they are.
  const [schools, partners] = await Promise.allSettled([all('/v1/schools', 'schools'), all('/v1/partners', 'partners')]);
  const byId = new Map([...(schools.value || []), ...(partners.value || [])].map((o) => [o.id, o]));
  if (!byId.has(ctx.me.organizationId)) byId.set(ctx.me.organizationId, { id: ctx.me.organizationId, name: 'Mon organisation' });
  return audit(ctx, { byId });
}

async function all(path, key, params = {}) {
  const out = [];
  let pageToken = '';
  for (let i = 0; i < 20; i += 1) {
    const r = await get(path, { ...params, pageSize: 100, pageToken });
    out.push(...(r[key] || []));
    pageToken = r.nextPageToken || '';
    if (!pageToken) break;
  }
  return out;
}

async function loadOrganizations() {
  const [companies, schools, partners] = await Promise.all([
    all('/v1/companies', 'companies'), all('/v1/schools', 'schools'), all('/v1/partners', 'partners')]);
  const list = [
    { id: 'federation', name: 'Fédération', role: 'ROLE_ADMIN' },
    ...schools.map((o) => ({ ...o, role: 'ROLE_SCHOOL', kind: 'École' })),
    ...partners.map((o) => ({ ...o, role: 'ROLE_PARTNER', kind: 'Partenaire' })),
    ...companies.map((o) => ({ ...o, role: 'ROLE_COMPANY', kind: 'Entreprise' })),
  ];
  const byId = new Map(list.map((o) => [o.id, o]));
  return { list, byId, companies, schools, partners };
}

function orgName(orgs, id) {
  const o = orgs.byId.get(id);
  return o ? o.name : id || '—';
}

function organizations(ctx, orgs) {
  const { main } = ctx;
  const section = (kindKey, titleText, singular, items, fields, path, wrap) => {
    const msg = banner();
    const name = field({ label: 'Nom', name: `${wrap}.name`, required: true });
    const commune = communeField({ label: 'Commune', name: `${wrap}.place.commune_insee`, required: true });
    const extra = fields.map((f) => field({ ...f, name: `${wrap}.${f.key}` }));
    const form = h('form', { class: 'card', novalidate: true, id: `form-${kindKey}` }, msg, h('h3', null, `Créer ${singular}`),
      h('div', { class: 'grid3' }, name, ...extra), commune, h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Créer')));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearErrors(form);
      const body = { name: name.control.value.trim(), place: { communeInsee: commune.control.comboValue() } };
      fields.forEach((f, i) => { const v = extra[i].control.value.trim(); if (v) body[f.json] = v; });
      try {
        const created = await post(path, body);
        announce(`« ${created.name} » créé·e.`);
        await ctx.navigate('/admin/organisations', { replace: true });
      } catch (err) { showError(form, err, msg); }
    });
    const list = items.length ? table([
      { label: 'Nom', cell: (o) => o.name },
      { label: 'Identifiant', cell: (o) => h('code', null, o.id) },
      { label: fields[0].label, cell: (o) => o[fields[0].json] || '' },
      { label: 'Commune', cell: (o) => (o.place ? `${o.place.communeName || ''} (${o.place.departementCode || ''})` : '') },
    ], items, { caption: `${titleText} : ${items.length}` }) : h('p', null, 'Aucune pour le moment.');
    main.append(h('section', { 'aria-labelledby': `h-${kindKey}` }, h('h2', { id: `h-${kindKey}` }, titleText), list, form));
  };
  section('companies', 'Entreprises', 'une entreprise', orgs.companies, [
    { key: 'siret', json: 'siret', label: 'SIRET', required: true, inputmode: 'numeric', hint: '14 chiffres' },
    { key: 'naf_code', json: 'nafCode', label: 'Code NAF', hint: 'ex. 25.62B' }], '/v1/companies', 'company');
  section('schools', 'Écoles', 'une école', orgs.schools, [
    { key: 'uai', json: 'uai', label: 'UAI', required: true, hint: '7 chiffres et une lettre' }], '/v1/schools', 'school');
  section('partners', 'Partenaires (Missions locales)', 'un partenaire', orgs.partners, [
    { key: 'siret', json: 'siret', label: 'SIRET (facultatif)', inputmode: 'numeric' }], '/v1/partners', 'partner');
}

function invitations(ctx, orgs, { fixed = false, onInvited = null } = {}) {
  const { main } = ctx;
  const msg = banner();
  const options = orgs.list.map((o) => [o.id, o.kind ? `${o.kind} — ${o.name}` : o.name]);
  const org = fixed ? null : field({ label: 'Organisation', name: 'organization_id', type: 'select', required: true, options });
  const email = field({ label: 'Adresse e-mail', name: 'email', type: 'email', required: true });
  const orgAdmin = field({ label: "Administre l'organisation (invite et désactive ses membres)", name: 'organization_admin', type: 'checkbox' });
  const result = h('div', { id: 'invitation-result', 'aria-live': 'polite' });
  const form = h('form', { class: 'card', novalidate: true, id: 'invite-form' }, msg, h('div', { class: 'grid2' }, org, email), orgAdmin,
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Inviter')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    clear(result);
    const organizationId = fixed ? ctx.me.organizationId : org.control.value;
    const o = orgs.byId.get(organizationId);
    try {
      const inv = await post('/v1/invitations', {
        organizationId: organizationId === 'federation' ? '' : organizationId,
        email: email.control.value.trim(), role: fixed ? ctx.me.role : (o ? o.role : ''), organizationAdmin: orgAdmin.control.checked,
      });
      const link = `${location.origin}${inv.linkPath}`;
      const linkBox = h('input', { type: 'text', readonly: true, value: link, id: 'invitation-link', class: 'secret' });
      const copy = h('button', { type: 'button', class: 'secondary' }, 'Copier le lien');
      copy.addEventListener('click', async () => {
        try { await navigator.clipboard.writeText(link); } catch (err) { linkBox.select(); document.execCommand('copy'); }
        announce('Lien copié.');
      });
      result.append(h('div', { class: 'banner ok' },
        h('p', null, `Invitation créée pour ${inv.email} (valable jusqu'au ${formatDate(inv.expireTime)}). Ce lien n'est affiché qu'une fois : transmettez-le à la personne invitée.`),
        h('label', { for: 'invitation-link' }, "Lien d'invitation"), linkBox, h('div', { class: 'actions' }, copy)));
      email.control.value = '';
      announce('Invitation créée.');
      if (onInvited) onInvited();
    } catch (err) { showError(form, err, msg); }
  });
  main.append(h('section', { 'aria-labelledby': 'h-invite' }, h('h2', { id: 'h-invite' }, 'Inviter une personne'), form, result));
}

async function users(ctx, orgs, { fixed = false } = {}) {
  const { main } = ctx;
  const holder = h('div');
  main.append(h('section', { 'aria-labelledby': 'h-users' }, h('h2', { id: 'h-users' }, 'Comptes'), holder));
  async function load() {
    const list = await all('/v1/users', 'users', fixed ? { organizationId: ctx.me.organizationId } : {});
    clear(holder);
    if (!list.length) { holder.append(h('p', null, 'Aucun compte.')); return; }
    holder.append(table([
      { label: 'Nom', cell: (u) => u.displayName || '—' },
      { label: 'E-mail', cell: (u) => u.email },
      { label: 'Organisation', cell: (u) => orgName(orgs, u.organizationId) },
      { label: 'Rôle', cell: (u) => `${label(ROLE, u.role)}${u.organizationAdmin ? ' (admin.)' : ''}` },
      { label: 'État', cell: (u) => badge(label(USER_STATE, u.state), u.state === 'USER_STATE_ACTIVE' ? 'accepted' : u.state === 'USER_STATE_DISABLED' ? 'declined' : 'sent') },
      { label: 'Dernière connexion', cell: (u) => formatDate(u.lastSignInTime) },
      {
        label: 'Action',
        cell: (u) => {
          if (u.state === 'USER_STATE_DISABLED' || u.id === ctx.me.userId) return '';
          const b = h('button', { type: 'button', class: 'danger', 'aria-label': `Désactiver ${u.email}` }, 'Désactiver');
          b.addEventListener('click', async () => {
            if (!window.confirm(`Désactiver le compte ${u.email} ?`)) return;
            try { await post(`/v1/users/${encodeURIComponent(u.id)}:disable`, {}); announce('Compte désactivé.'); await load(); } catch (err) { announce(`Erreur : ${err.message}`); }
          });
          return b;
        },
      },
    ], list, { caption: `${list.length} compte${list.length > 1 ? 's' : ''}` }));
  }
  await load();
  return () => load().catch((e) => announce(e.message));
}

function tokens(ctx, orgs) {
  const { main } = ctx;
  const msg = banner();
  const org = field({ label: 'Organisation', name: 'organization_id', type: 'select', required: true, options: orgs.list.map((o) => [o.id, o.kind ? `${o.kind} — ${o.name}` : o.name]) });
  const desc = field({ label: 'Description', name: 'description', required: true, hint: 'À quoi sert ce jeton (ex. « import nocturne du SI »).' });
  const result = h('div', { 'aria-live': 'polite' });
  const form = h('form', { class: 'card', novalidate: true }, msg, h('div', { class: 'grid2' }, org, desc), h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Émettre un jeton')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    clear(result);
    const o = orgs.byId.get(org.control.value);
    try {
      const t = await post('/v1/tokens', { organizationId: o.id === 'federation' ? '' : o.id, role: o.role, description: desc.control.value.trim() });
      result.append(h('div', { class: 'banner ok' }, h('p', null, `Jeton ${t.tokenId} émis. Il n'est affiché qu'une fois :`), h('p', { class: 'secret' }, t.token)));
      announce('Jeton émis.');
    } catch (err) { showError(form, err, msg); }
  });
  const rmsg = banner();
  const tokenId = field({ label: 'Identifiant du jeton', name: 'token_id', required: true });
  const revoke = h('form', { class: 'card', novalidate: true }, rmsg, tokenId, h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'danger' }, 'Révoquer')));
  revoke.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(revoke);
    try {
      await post('/v1/tokens:revoke', { tokenId: tokenId.control.value.trim() });
      rmsg.className = 'banner ok';
      rmsg.textContent = 'Jeton révoqué.';
      announce('Jeton révoqué.');
    } catch (err) { showError(revoke, err, rmsg); }
  });
  main.append(h('section', { 'aria-labelledby': 'h-issue' }, h('h2', { id: 'h-issue' }, 'Émettre un jeton'), form, result),
    h('section', { 'aria-labelledby': 'h-revoke' }, h('h2', { id: 'h-revoke' }, 'Révoquer un jeton'), revoke));
}

const AUDIT_KINDS = {
  AUDIT_KIND_SIGN_IN: 'Connexion',
  AUDIT_KIND_CHANGE: 'Modification',
  AUDIT_KIND_ACCESS: 'Consultation d’un·e jeune suivi·e',
  AUDIT_KIND_SHARING: 'Accès à un·e jeune donné ou retiré',
};

async function audit(ctx, orgs) {
  const { main } = ctx;
  const holder = h('div');
  const more = h('button', { type: 'button', class: 'secondary' }, 'Plus ancien → plus récent : page suivante');
  main.append(h('section', { 'aria-labelledby': 'h-audit' }, h('h2', { id: 'h-audit' }, 'Événements'), holder));
  let pageToken = '';
  const events = [];
  async function load() {
    const r = await get('/v1/auditEvents', { pageSize: 100, pageToken });
    events.push(...(r.events || []));
    pageToken = r.nextPageToken || '';
    clear(holder);
    if (!events.length) { holder.append(h('p', null, 'Aucun événement.')); return; }
    holder.append(table([
      { label: 'Date', cell: (ev) => formatDate(ev.time) },
      { label: 'Type', cell: (ev) => AUDIT_KINDS[ev.kind] || ev.kind || '' },
      { label: 'Qui', cell: (ev) => ev.email || ev.userId || ev.tokenId || '—' },
      { label: 'Organisation', cell: (ev) => orgName(orgs, ev.organizationId) + (ev.concernedOrganizationId ? ` → ${orgName(orgs, ev.concernedOrganizationId)}` : '') },
      { label: 'Opération', cell: (ev) => (ev.method || '').split('/').pop() },
      { label: 'Ressource', cell: (ev) => (ev.resourceId || '').startsWith('grd_') ? h('a', { href: `/jeunes/${encodeURIComponent(ev.resourceId)}` }, ev.resourceId) : ev.resourceId || '' },
      { label: 'Résultat', cell: (ev) => badge(ev.outcome || '', ev.outcome === 'OK' ? 'accepted' : 'declined') },
      { label: 'Adresse', cell: (ev) => ev.clientAddress || '' },
    ], events, { caption: `${events.length} événement${events.length > 1 ? 's' : ''} (du plus ancien au plus récent)` }));
    if (pageToken) holder.append(h('div', { class: 'actions' }, more));
  }
  more.addEventListener('click', () => load().catch((e) => announce(e.message)));
  await load();
}
