// School and Mission locale pages: graduates, the graduate form, CSV
// import, a graduate's ranked offers, exclusions and received proposals.
import {
  h, clear, field, banner, clearErrors, showError, announce, table, badge, factorsList, factorsBox,
  formatDate, formatNumber, showFieldError,
} from './dom.js';

// FieldMask paths in query strings take the JSON (lowerCamelCase) form.
const camel = (path) => path.replace(/_([a-z])/g, (_, c) => c.toUpperCase());
import { get, post, api, ApiError } from './api.js';
import {
  CONTRACT, GRADUATE_STATUS, PROPOSAL_STATE, DIPLOMA_STATUS, REQUEST_STATE, REQUEST_KIND, label, kind,
} from './labels.js';
import { communeField, tradeField } from './combobox.js';
import { graduatesFromCsv } from './csv.js';
import { qrSvg } from './qr.js';

export async function graduatesPage(ctx) {
  const { main } = ctx;
  main.append(h('h1', null, 'Jeunes suivi·es'),
    h('div', { class: 'actions' },
      h('a', { class: 'button', href: '/jeunes/nouveau' }, 'Ajouter un·e jeune'),
      h('a', { class: 'button secondary', href: '/jeunes/import' }, 'Importer un fichier CSV')));
  const holder = h('div', null, h('p', { class: 'muted' }, 'Chargement…'));
  main.append(holder);
  const all = [];
  let pageToken = '';
  const more = h('button', { type: 'button', class: 'secondary' }, 'Afficher plus');
  more.addEventListener('click', () => load().catch((e) => announce(e.message)));
  async function load() {
    const r = await get('/v1/graduates', { pageSize: 100, pageToken });
    all.push(...(r.graduates || []));
    pageToken = r.nextPageToken || '';
    clear(holder);
    if (!all.length) { holder.append(h('p', null, 'Aucun·e jeune pour le moment : ajoutez-en ou importez un fichier CSV.')); return; }
    holder.append(table([
      { label: 'Nom', cell: (g) => h('a', { href: `/jeunes/${g.id}` }, `${g.givenName || ''} ${g.familyName || ''}`.trim() || g.id) },
      { label: 'Réf.', cell: (g) => g.externalId || '' },
      { label: 'Métiers', cell: (g) => (g.romeCodes || []).join(', ') },
      { label: 'Commune', cell: (g) => (g.home ? g.home.communeName || g.home.communeInsee || '' : '') },
      { label: 'Disponible le', cell: (g) => formatDate(g.availableFrom) },
      { label: 'Situation', cell: (g) => badge(label(GRADUATE_STATUS, g.status), kind(GRADUATE_STATUS, g.status)) },
    ], all, { caption: `${all.length} jeune${all.length > 1 ? 's' : ''}` }));
    if (pageToken) holder.append(h('div', { class: 'actions' }, more));
  }
  await load();
  if (ctx.me.role === 'ROLE_PARTNER') await followedList(main);
}

// A Mission locale's young people that a school shares with it.
async function followedList(main) {
  const r = await get('/v1/graduates', { followed: true, pageSize: 500 });
  const list = r.graduates || [];
  main.append(h('h2', null, 'Jeunes suivi·es avec leur école'));
  if (!list.length) {
    main.append(h('p', { class: 'muted' }, 'Aucune école ne vous a encore donné l’accès à l’un·e de ses jeunes.'));
    return;
  }
  main.append(h('div', { id: 'followed-graduates' }, table([
    { label: 'Nom', cell: (g) => h('a', { href: `/jeunes/${g.id}` }, `${g.givenName || ''} ${g.familyName || ''}`.trim() || g.id) },
    { label: 'Métiers', cell: (g) => (g.romeCodes || []).join(', ') },
    { label: 'Commune', cell: (g) => (g.home ? g.home.communeName || g.home.communeInsee || '' : '') },
    { label: 'Accès depuis le', cell: (g) => formatDate(((g.followers || [])[0] || {}).grantTime) },
    { label: 'Situation', cell: (g) => badge(label(GRADUATE_STATUS, g.status), kind(GRADUATE_STATUS, g.status)) },
  ], list, { caption: `${list.length} jeune${list.length > 1 ? 's' : ''} suivi·e${list.length > 1 ? 's' : ''} avec leur école` })));
}

const CONTRACTS = [['CONTRACT_TYPE_APPRENTICESHIP', 'Apprentissage'], ['CONTRACT_TYPE_CDI', 'CDI'],
  ['CONTRACT_TYPE_CDD', 'CDD'], ['CONTRACT_TYPE_PROFESSIONALISATION', 'Professionnalisation']];
const GRAD_EDITABLE = ['given_name', 'family_name', 'birth_date', 'diploma', 'rome_codes', 'skills', 'home',
  'max_distance_km', 'driving_licence', 'accepted_contracts', 'available_from', 'email', 'phone', 'completed_college', 'external_id'];

export async function graduateFormPage(ctx) {
  const { main } = ctx;
  const editing = ctx.params[0] ? decodeURIComponent(ctx.params[0]) : '';
  const g = editing ? await get(`/v1/graduates/${encodeURIComponent(editing)}`) : {};
  const ext = field({ label: 'Référence interne', name: 'graduate.external_id', value: g.externalId, hint: "Votre identifiant pour ce·tte jeune (sert aux imports)." });
  const given = field({ label: 'Prénom', name: 'graduate.given_name', required: true, value: g.givenName, autocomplete: 'off' });
  const family = field({ label: 'Nom', name: 'graduate.family_name', required: true, value: g.familyName });
  const birth = field({ label: 'Date de naissance', name: 'graduate.birth_date', type: 'date', required: true, value: g.birthDate });
  const diplomaCode = field({ label: 'Code du diplôme (CFD ou RNCP)', name: 'graduate.diploma.code', value: g.diploma && g.diploma.code, hint: 'ex. 50025123' });
  const diplomaStatus = field({ label: 'Diplôme', name: 'graduate.diploma.status', type: 'select', options: [['DIPLOMA_STATUS_IN_PROGRESS', 'En cours'], ['DIPLOMA_STATUS_OBTAINED', 'Obtenu']], value: (g.diploma && g.diploma.status) || 'DIPLOMA_STATUS_IN_PROGRESS' });
  const trade = tradeField({ label: 'Métier recherché (ROME)', name: 'graduate.rome_codes', required: true, value: (g.romeCodes || [])[0], display: (g.romeCodes || [])[0] });
  const otherTrades = field({ label: 'Autres métiers (codes ROME)', name: 'graduate.rome_codes[1]', value: (g.romeCodes || []).slice(1).join(', '), hint: 'Facultatif, séparés par des virgules.' });
  const commune = communeField({ label: 'Commune de résidence', name: 'graduate.home.commune_insee', required: true, value: g.home && g.home.communeInsee, display: g.home && g.home.communeName ? `${g.home.communeName} — ${g.home.communeInsee}` : undefined });
  const distance = field({ label: 'Distance maximale (km)', name: 'graduate.max_distance_km', type: 'number', min: 1, max: 300, value: g.maxDistanceKm || 30 });
  const available = field({ label: 'Disponible à partir du', name: 'graduate.available_from', type: 'date', value: g.availableFrom });
  const email = field({ label: 'E-mail', name: 'graduate.email', type: 'email', value: g.email });
  const phone = field({ label: 'Téléphone', name: 'graduate.phone', type: 'tel', value: g.phone });
  const skills = field({ label: 'Compétences', name: 'graduate.skills', value: (g.skills || []).join(', '), hint: 'Séparées par des virgules.' });
  const licence = field({ label: 'Permis de conduire', name: 'graduate.driving_licence', type: 'checkbox', value: g.drivingLicence });
  const college = field({ label: 'A terminé le collège (3e)', name: 'graduate.completed_college', type: 'checkbox', value: g.completedCollege });
  const accepted = new Set(g.acceptedContracts || ['CONTRACT_TYPE_APPRENTICESHIP']);
  const contractBoxes = CONTRACTS.map(([value, text]) => {
    const id = `contract-${value}`;
    return h('label', { for: id }, h('input', { type: 'checkbox', id, value, checked: accepted.has(value), dataset: { field: 'graduate.accepted_contracts' } }), text);
  });
  const contractsErr = h('span', { id: 'contracts-error', class: 'field-error' });
  contractBoxes[0].querySelector('input').dataset.errorId = 'contracts-error';
  const contracts = h('fieldset', null, h('legend', null, 'Contrats acceptés'), h('div', { class: 'checks' }, contractBoxes), contractsErr);
  const msg = banner();
  const submit = h('button', { type: 'submit' }, editing ? 'Enregistrer' : 'Ajouter');
  const form = h('form', { class: 'card', novalidate: true }, msg,
    h('div', { class: 'grid3' }, given, family, birth),
    h('div', { class: 'grid2' }, trade, otherTrades),
    h('div', { class: 'grid2' }, commune, distance),
    h('div', { class: 'grid3' }, diplomaCode, diplomaStatus, available),
    contracts, h('div', { class: 'grid3' }, email, phone, ext), skills, h('div', { class: 'grid2' }, licence, college),
    h('div', { class: 'actions' }, submit, h('a', { class: 'button secondary', href: editing ? `/jeunes/${encodeURIComponent(editing)}` : '/jeunes' }, 'Annuler')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    const list = (s) => s.split(',').map((x) => x.trim()).filter(Boolean);
    const body = {
      externalId: ext.control.value.trim() || undefined,
      givenName: given.control.value.trim(),
      familyName: family.control.value.trim(),
      birthDate: birth.control.value,
      diploma: diplomaCode.control.value.trim() ? { code: diplomaCode.control.value.trim(), status: diplomaStatus.control.value } : undefined,
      romeCodes: [trade.control.comboValue(), ...list(otherTrades.control.value).map((x) => x.toUpperCase())].filter(Boolean),
      home: { communeInsee: commune.control.comboValue() },
      maxDistanceKm: Number(distance.control.value || 0),
      availableFrom: available.control.value || undefined,
      email: email.control.value.trim() || undefined,
      phone: phone.control.value.trim() || undefined,
      skills: list(skills.control.value),
      drivingLicence: licence.control.checked,
      completedCollege: college.control.checked,
      acceptedContracts: contractBoxes.map((l) => l.querySelector('input')).filter((i) => i.checked).map((i) => i.value),
    };
    if (!body.givenName) { showFieldError(given.control, 'Le prénom est obligatoire.'); given.control.focus(); return; }
    submit.disabled = true;
    try {
      let saved;
      if (editing) {
        body.id = editing;
        body.version = g.version;
        saved = await api('PATCH', `/v1/graduates/${encodeURIComponent(editing)}?updateMask=${GRAD_EDITABLE.map(camel).join(',')}`, body);
      } else saved = await post('/v1/graduates', body);
      announce('Fiche enregistrée.');
      await ctx.navigate(`/jeunes/${encodeURIComponent(saved.id)}`);
    } catch (err) {
      showError(form, err, msg);
    } finally { submit.disabled = false; }
  });
  main.append(h('h1', null, editing ? 'Modifier la fiche' : 'Ajouter un·e jeune'),
    h('p', { class: 'muted' }, 'Les champs marqués * sont obligatoires.'), form);
}

// ---- CSV import --------------------------------------------------------------

const BATCH = 200;

export async function importPage(ctx) {
  const { main } = ctx;
  const file = field({ label: 'Fichier CSV', name: 'file', type: 'file', required: true, hint: "Une ligne d'en-tête avec les noms des champs, comme pour passerelle-cli import graduates." });
  file.control.setAttribute('accept', '.csv,text/csv');
  const msg = banner();
  const submit = h('button', { type: 'submit' }, 'Importer');
  const progress = h('progress', { id: 'import-progress', max: 1, value: 0, 'aria-describedby': 'import-progress-label' });
  const progressLabel = h('span', { id: 'import-progress-label', class: 'progress-label' }, 'En attente d’un fichier.');
  const progressBox = h('div', { class: 'card', hidden: true },
    h('label', { for: 'import-progress' }, 'Progression'), progress, progressLabel);
  const results = h('div', { id: 'import-results' });
  const example = 'external_id,given_name,family_name,birth_date,diploma.code,diploma.status,rome_codes,home.commune_insee,accepted_contracts,driving_licence,max_distance_km,available_from,email,phone,skills';
  const form = h('form', { class: 'card', novalidate: true }, msg, file,
    h('details', null, h('summary', null, 'Colonnes reconnues'),
      h('p', null, 'Les noms des champs de la fiche (noms proto ou JSON, pointés pour les champs imbriqués), par exemple :'),
      h('pre', { class: 'secret' }, `${example}\nEP-1,Clémence,Lefèvre,2008-05-14,50025123,in_progress,H2903|H2202,59350,apprenticeship|cdi,oui,30,2026-09-01,clemence@example.fr,0600000000,soudure TIG`),
      h('p', null, 'Listes séparées par « | » ; contrats : apprenticeship, cdi, cdd, professionalisation ; booléens : oui/non.')),
    h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    clear(results);
    const f = file.control.files && file.control.files[0];
    if (!f) { showFieldError(file.control, 'Choisissez un fichier CSV.'); file.control.focus(); return; }
    let parsed;
    try {
      parsed = graduatesFromCsv(await f.text());
    } catch (err) {
      showFieldError(file.control, err.message);
      file.control.focus();
      return;
    }
    submit.disabled = true;
    progressBox.hidden = false;
    const rows = parsed.rows;
    const rejected = [];
    const totals = { created: 0, updated: 0, unchanged: 0 };
    const valid = [];
    for (const r of rows) {
      if (r.graduate) valid.push(r);
      else for (const er of r.errors) rejected.push({ line: r.line, externalId: r.externalId, field: er.field, message: er.message });
    }
    progress.max = Math.max(1, rows.length);
    let done = rows.length - valid.length;
    const show = () => {
      progress.value = done;
      progressLabel.textContent = `${done} / ${rows.length} lignes traitées`;
    };
    show();
    let failed = null;
    for (let i = 0; i < valid.length; i += BATCH) {
      const batch = valid.slice(i, i + BATCH);
      const body = `${batch.map((r) => JSON.stringify(r.graduate)).join('\n')}\n`;
      try {
        const res = await api('POST', '/v1/graduates:import', undefined, { raw: body, contentType: 'application/x-ndjson' });
        totals.created += Number(res.created || 0);
        totals.updated += Number(res.updated || 0);
        totals.unchanged += Number(res.unchanged || 0);
        for (const er of res.errors || []) {
          const r = batch[Number(er.index || 0)] || {};
          rejected.push({ line: r.line, externalId: er.externalId || r.externalId, field: er.field || '', message: er.message || '' });
        }
      } catch (err) {
        failed = err;
        break;
      }
      done += batch.length;
      show();
    }
    submit.disabled = false;
    rejected.sort((a, b) => (a.line || 0) - (b.line || 0));
    const summary = `${totals.created} créée(s), ${totals.updated} mise(s) à jour, ${totals.unchanged} inchangée(s), ${rejected.length} rejetée(s).`;
    results.append(h('h2', null, "Résultat de l'import"));
    if (failed) results.append(h('div', { class: 'banner error', role: 'alert' }, `L'import s'est arrêté : ${failed.message}`));
    results.append(h('p', { class: `banner ${rejected.length || failed ? 'info' : 'ok'}`, id: 'import-summary' }, summary));
    if (rejected.length) {
      results.append(table([
        { label: 'Ligne', num: true, cell: (r) => (r.line ? String(r.line) : '') },
        { label: 'Réf.', cell: (r) => r.externalId || '' },
        { label: 'Champ', cell: (r) => r.field || '' },
        { label: 'Raison', cell: (r) => r.message },
      ], rejected, { caption: 'Lignes rejetées' }));
      results.querySelector('table').id = 'import-rejected';
    }
    announce(`Import terminé : ${summary}`);
  });
  main.append(h('h1', null, 'Importer des jeunes (CSV)'), form, progressBox, results);
}

// ---- A graduate's page ---------------------------------------------------------

function graduateDetails(g) {
  const dl = h('dl', { class: 'details' });
  const add = (k, v) => { if (v) dl.append(h('dt', null, k), h('dd', null, v)); };
  add('Situation', badge(label(GRADUATE_STATUS, g.status), kind(GRADUATE_STATUS, g.status)));
  add('Né·e le', formatDate(g.birthDate));
  add('Diplôme', g.diploma ? `${g.diploma.title || g.diploma.code || ''} — ${label(DIPLOMA_STATUS, g.diploma.status)}` : '');
  add('Métiers recherchés', (g.romeCodes || []).join(', '));
  add('Commune', g.home ? `${g.home.communeName || ''} (${g.home.communeInsee || ''})` : '');
  add('Distance maximale', g.maxDistanceKm ? `${g.maxDistanceKm} km` : '');
  add('Contrats acceptés', (g.acceptedContracts || []).map((c) => label(CONTRACT, c)).join(', '));
  add('Disponible le', formatDate(g.availableFrom));
  add('Contact', [g.email, g.phone].filter(Boolean).join(' — '));
  add('Référence', g.externalId);
  return dl;
}

function isMinor(birthDate) {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(birthDate || '');
  if (!m) return false;
  const now = new Date();
  let age = now.getFullYear() - Number(m[1]);
  const month = now.getMonth() + 1;
  if (month < Number(m[2]) || (month === Number(m[2]) && now.getDate() < Number(m[3]))) age -= 1;
  return age < 18;
}

// Invitations of the young person and of a minor's legal representative:
// the one-time link in full, a copy button and its QR code (printable).
function youngAccessSection(g) {
  const minor = isMinor(g.birthDate);
  const given = g.givenName || 'le ou la jeune';
  const section = h('section', { class: 'card', id: 'young-access', 'aria-labelledby': 'g-access' },
    h('h2', { id: 'g-access' }, 'Accès du ou de la jeune'),
    h('p', { class: 'muted' }, minor
      ? `${given} peut suivre ses propositions et y répondre dans Passerelle. Comme ${given} a moins de 18 ans, son ou sa représentant·e légal·e confirme chaque acceptation.`
      : `${given} peut suivre ses propositions et y répondre dans Passerelle.`));
  const holder = h('div');
  const buttons = h('div', { class: 'actions' });
  const open = (role) => {
    clear(holder).append(inviteForm(g, role, minor));
    holder.querySelector('input').focus();
  };
  const young = h('button', { type: 'button', id: 'invite-young' }, 'Inviter le ou la jeune');
  young.addEventListener('click', () => open('ROLE_GRADUATE'));
  buttons.append(young);
  if (minor) {
    const guardian = h('button', { type: 'button', class: 'secondary', id: 'invite-guardian' }, 'Inviter un représentant légal');
    guardian.addEventListener('click', () => open('ROLE_GUARDIAN'));
    buttons.append(guardian);
  }
  const accounts = h('div', { id: 'young-accounts' });
  section.append(accounts, buttons, holder);
  showAccounts(g, accounts);
  return section;
}

// Who was invited for this young person, and who signed in.
async function showAccounts(g, holder) {
  let users = [];
  try {
    users = (await get(`/v1/users?graduateId=${encodeURIComponent(g.id)}`)).users || [];
  } catch (err) {
    holder.append(h('p', { class: 'muted' }, 'Les comptes ne peuvent pas être affichés.'));
    return;
  }
  if (!users.length) {
    holder.append(h('p', { class: 'muted' }, 'Personne n’est encore invité.'));
    return;
  }
  const who = (u) => (u.role === 'ROLE_GUARDIAN' ? 'Représentant·e légal·e' : 'Le ou la jeune');
  const state = (u) => (u.state === 'USER_STATE_INVITED' ? 'Invité·e, compte pas encore ouvert'
    : u.state === 'USER_STATE_DISABLED' ? 'Compte désactivé'
      : u.lastSignInTime ? `Dernière connexion le ${formatDate(u.lastSignInTime)}` : 'Compte ouvert, jamais connecté·e');
  holder.append(h('ul', { class: 'list-plain young-accounts' }, ...users.map((u) =>
    h('li', null, h('strong', null, who(u)), ` — ${u.email} — ${state(u)}`))));
}

function inviteForm(g, role, minor) {
  const young = role === 'ROLE_GRADUATE';
  const given = g.givenName || 'le ou la jeune';
  const email = field({
    label: young ? `Adresse e-mail de ${given}` : 'Adresse e-mail du ou de la représentant·e légal·e',
    name: 'email', type: 'email', required: true, autocomplete: 'off', value: young ? g.email : '',
    hint: 'Le lien ne sert qu’une fois et expire dans 7 jours.',
  });
  const msg = banner();
  const result = h('div', { class: 'invite-result' });
  const form = h('form', { class: 'invite-young', novalidate: true, dataset: { role } },
    h('h3', null, young ? `Inviter ${given}` : 'Inviter un représentant légal'), msg, email,
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Créer l’invitation')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    const address = email.control.value.trim();
    if (!address) { showFieldError(email.control, "L'adresse e-mail est obligatoire."); email.control.focus(); return; }
    try {
      const inv = await post('/v1/invitations', { graduateId: g.id, role, email: address });
      if (inv.addedToAccount) {
        // A representative who already has an account (for another child):
        // no link, they find this young person when they sign in.
        const text = `${address} a déjà un compte de représentant·e légal·e : ${given} y est ajouté·e. Cette personne le ou la trouvera en se connectant${inv.mailed ? ' (un e-mail l’a prévenue)' : ''}.`;
        clear(result).append(h('div', { class: 'banner ok invite-done', role: 'status' }, h('p', null, text), mailNote(inv, address)));
        announce(text);
      } else {
        const url = `${location.origin}${inv.linkPath}`;
        clear(result).append(inviteLink(url, young ? given : null, address, minor, inv));
        announce(inv.mailed ? `Invitation créée et envoyée par e-mail à ${address}.` : 'Invitation créée : le lien est affiché une seule fois.');
      }
    } catch (err) {
      showError(form, err, msg);
    }
  });
  return h('div', null, form, result);
}

// Whether the invitation also went by e-mail (a relay configured), and if
// it failed, why: the link shown stays valid either way.
function mailNote(inv, address) {
  if (inv.mailed) return h('p', { class: 'mail-note' }, `Un e-mail a été envoyé à ${address}.`);
  if (inv.mailError) return h('p', { class: 'mail-note warn' }, `L’e-mail n’a pas pu être envoyé (${inv.mailError}) : transmettez le lien vous-même.`);
  return null;
}

function inviteLink(url, youngName, address, minor, inv) {
  const input = h('input', { type: 'text', readonly: true, class: 'invitation-link secret', value: url, 'aria-label': "Lien d'invitation" });
  const copy = h('button', { type: 'button', class: 'secondary' }, 'Copier');
  copy.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(url);
    } catch (e) {
      input.select();
      document.execCommand('copy');
    }
    announce('Lien copié.');
  });
  const print = h('button', { type: 'button', class: 'secondary' }, 'Imprimer');
  const card = h('div', { class: 'invite-print' },
    h('p', { class: 'print-only print-title' }, youngName ? `${youngName}, ton accès à Passerelle` : 'Votre accès à Passerelle (représentant·e légal·e)'),
    h('p', { class: 'print-only' }, youngName
      ? 'Scanne ce code avec ton téléphone (ou tape le lien) pour créer ton compte et voir les offres que des entreprises t’envoient.'
      : 'Scannez ce code (ou tapez le lien) pour créer votre compte : vous pourrez confirmer ou refuser les offres que le ou la jeune accepte.'),
    h('div', { class: 'qr-box' }, qrSvg(url, { label: `Code QR du lien d'invitation ${url}` })),
    h('p', { class: 'qr-link' }, url),
    h('p', { class: 'print-only muted' }, `Invitation pour ${address}, à usage unique, valable 7 jours.`));
  print.addEventListener('click', () => {
    document.body.classList.add('print-one');
    card.classList.add('print-target');
    const done = () => { document.body.classList.remove('print-one'); card.classList.remove('print-target'); window.removeEventListener('afterprint', done); };
    window.addEventListener('afterprint', done);
    window.print();
  });
  return h('div', { class: 'banner ok invite-done', role: 'status' },
    h('p', null, `Invitation créée pour ${address}. Transmettez ce lien (il ne sera plus affiché) :`),
    mailNote(inv, address), input, h('div', { class: 'actions' }, copy, print), card,
    minor && youngName ? h('p', { class: 'muted' }, 'Pensez aussi à inviter son ou sa représentant·e légal·e : il ou elle confirme chaque acceptation.') : null);
}

// ---- Following with a Mission locale --------------------------------------------

// The partners' names, read once per page (a public directory).
async function partnerNames() {
  const names = new Map();
  let pageToken = '';
  for (let i = 0; i < 10; i += 1) {
    const r = await get('/v1/partners', { pageSize: 500, pageToken });
    for (const p of r.partners || []) names.set(p.id, p.name || p.id);
    pageToken = r.nextPageToken || '';
    if (!pageToken) break;
  }
  return names;
}

// The owner's view: which Missions locales follow this young person beside
// it, granting and revoking their access.
function sharingSection(g) {
  const given = g.givenName || 'ce·tte jeune';
  const section = h('section', { class: 'card', id: 'sharing', 'aria-labelledby': 'g-sharing' },
    h('h2', { id: 'g-sharing' }, 'Suivi avec une Mission locale'),
    h('p', { class: 'muted' }, `Une Mission locale à qui vous donnez l’accès voit la fiche de ${given}, ses offres classées et ses propositions, et peut y répondre avec ${given}. Elle ne peut ni modifier ni supprimer la fiche. Chacune de ses consultations est inscrite au journal d’audit.`));
  const holder = h('div', null, h('p', { class: 'muted' }, 'Chargement…'));
  section.append(holder);
  let followers = g.followers || [];
  let names = new Map();
  const render = () => {
    clear(holder);
    if (followers.length) {
      holder.append(h('ul', { class: 'list-plain', id: 'followers' }, ...followers.map((f) => {
        const revoke = h('button', { type: 'button', class: 'secondary' }, 'Retirer l’accès');
        revoke.addEventListener('click', async () => {
          revoke.disabled = true;
          try {
            const r = await post(`/v1/graduates/${encodeURIComponent(g.id)}:revokeAccess`, { partnerId: f.partnerId });
            followers = r.followers || [];
            announce(`Accès retiré à ${names.get(f.partnerId) || f.partnerId}.`);
            render();
          } catch (err) {
            revoke.disabled = false;
            announce(`Erreur : ${err.message}`);
            holder.append(h('p', { class: 'banner error', role: 'alert' }, err.message));
          }
        });
        return h('li', { dataset: { partner: f.partnerId } }, h('strong', null, names.get(f.partnerId) || f.partnerId),
          ` — accès donné le ${formatDate(f.grantTime)} `, revoke);
      })));
    } else {
      holder.append(h('p', null, 'Aucune Mission locale ne suit ce·tte jeune avec vous.'));
    }
    const choices = [...names.entries()].filter(([pid]) => !followers.some((f) => f.partnerId === pid))
      .sort((a, b) => a[1].localeCompare(b[1], 'fr'));
    if (!choices.length) return;
    const wrapper = field({
      id: 'grant-partner', label: 'Mission locale', type: 'select', name: 'partner_id', required: true,
      options: [['', 'Choisir une Mission locale'], ...choices],
    });
    const select = wrapper.control;
    const form = h('form', { novalidate: true }, banner(), wrapper,
      h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Donner l’accès')));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearErrors(form);
      try {
        const r = await post(`/v1/graduates/${encodeURIComponent(g.id)}:grantAccess`, { partnerId: select.value });
        followers = r.followers || [];
        announce(`Accès donné à ${names.get(select.value) || select.value}.`);
        render();
      } catch (err) {
        showError(form, err);
      }
    });
    holder.append(form);
  };
  partnerNames().then((n) => { names = n; render(); }).catch(() => render());
  return section;
}

// A follower's view: who owns the record, since when it follows, and ending
// its own access.
function followedSection(g, self) {
  const mine = (g.followers || []).find((f) => f.partnerId === self);
  const leave = h('button', { type: 'button', class: 'secondary', id: 'stop-following' }, 'Ne plus suivre ce·tte jeune');
  const section = h('section', { class: 'card', id: 'followed', 'aria-labelledby': 'g-followed' },
    h('h2', { id: 'g-followed' }, 'Suivi partagé'),
    h('p', null, `Son ${g.schoolId ? 'école' : 'organisme'} vous a donné l’accès à ce·tte jeune${mine ? ` le ${formatDate(mine.grantTime)}` : ''} : vous voyez sa fiche, ses offres et ses propositions, et pouvez y répondre avec lui ou elle. Vos consultations sont inscrites au journal d’audit, visible de son ${g.schoolId ? 'école' : 'organisme'}.`),
    h('div', { class: 'actions' }, leave));
  leave.addEventListener('click', async () => {
    leave.disabled = true;
    try {
      await post(`/v1/graduates/${encodeURIComponent(g.id)}:revokeAccess`, { partnerId: self });
      location.assign('/jeunes');
    } catch (err) {
      leave.disabled = false;
      section.append(h('p', { class: 'banner error', role: 'alert' }, err.message));
    }
  });
  return section;
}

export async function graduatePage(ctx) {
  const { main } = ctx;
  const id = decodeURIComponent(ctx.params[0]);
  const g = await get(`/v1/graduates/${encodeURIComponent(id)}`);
  const name = `${g.givenName || ''} ${g.familyName || ''}`.trim() || g.id;
  const admin = ctx.me.role === 'ROLE_ADMIN';
  // A Mission locale the owner granted access to: it reads, ranks and
  // answers; the record, the accounts and the requests stay the owner's.
  const follower = !admin && g.schoolId !== ctx.me.organizationId && g.partnerId !== ctx.me.organizationId;
  main.append(h('h1', null, name),
    h('section', { class: 'card', 'aria-labelledby': 'g-details' }, h('h2', { id: 'g-details' }, 'Fiche'), graduateDetails(g),
      !admin && !follower ? h('div', { class: 'actions' }, h('a', { class: 'button secondary', href: `/jeunes/${encodeURIComponent(id)}/modifier` }, 'Modifier')) : null));

  if (follower) main.append(followedSection(g, ctx.me.organizationId));
  else if (!admin) main.append(youngAccessSection(g), sharingSection(g));

  const requestsBox = follower ? null : graduateRequestsSection(id, !admin);
  const propHolder = h('div', null, h('p', { class: 'muted' }, 'Chargement…'));
  const rankHolder = h('div', null, h('p', { class: 'muted' }, 'Chargement…'));
  const exclHolder = h('div', null, h('p', { class: 'muted' }, 'Chargement…'));
  main.append(
    requestsBox || '',
    h('section', { 'aria-labelledby': 'g-proposals', id: 'received-proposals' }, h('h2', { id: 'g-proposals' }, 'Propositions reçues'), propHolder),
    h('section', { 'aria-labelledby': 'g-ranked' }, h('h2', { id: 'g-ranked' }, 'Offres classées pour ce·tte jeune'), rankHolder),
    h('section', { 'aria-labelledby': 'g-excluded' }, h('h2', { id: 'g-excluded' }, 'Offres proches écartées, et pourquoi'), exclHolder));

  async function loadProposals() {
    const r = await get('/v1/proposals', { graduateId: id, pageSize: 100 });
    const list = r.proposals || [];
    clear(propHolder);
    if (!list.length) { propHolder.append(h('p', null, 'Aucune proposition reçue.')); return; }
    const ol = h('ol', { class: 'list-plain' });
    for (const p of list) {
      const li = h('li', { class: 'card proposal', dataset: { proposal: p.id } });
      const offer = p.offer || {};
      li.append(h('h3', null, p.offerTitle || offer.title || p.offerId, ' ', badge(label(PROPOSAL_STATE, p.state), kind(PROPOSAL_STATE, p.state))),
        h('dl', { class: 'details' },
          h('dt', null, 'Répondre avant le'), h('dd', { class: 'deadline' }, formatDate(p.respondBy)),
          h('dt', null, 'Score'), h('dd', null, formatNumber(p.score, 3)),
          h('dt', null, 'Contrat'), h('dd', null, label(CONTRACT, p.contractType || offer.contractType)),
          offer.place ? [h('dt', null, 'Lieu'), h('dd', null, offer.place.communeName || '')] : null,
          offer.startDate ? [h('dt', null, 'Début'), h('dd', null, formatDate(offer.startDate))] : null,
          p.message ? [h('dt', null, 'Message'), h('dd', null, p.message)] : null),
        factorsList(p.factors));
      if ((p.exclusions || []).length) {
        li.append(h('p', null, 'Ne tient plus :'), h('ul', { class: 'exclusions' }, p.exclusions.map((x) => h('li', null, `${x.rule}${x.detail ? ` — ${x.detail}` : ''}`))));
      }
      if (p.state === 'PROPOSAL_STATE_SENT' && ctx.me.role !== 'ROLE_ADMIN') {
        const accept = h('button', { type: 'button' }, 'Accepter');
        const decline = h('button', { type: 'button', class: 'secondary' }, 'Décliner');
        const respond = async (yes) => {
          accept.disabled = true; decline.disabled = true;
          try {
            await post(`/v1/proposals/${encodeURIComponent(p.id)}:respond`, { accept: yes });
            announce(yes ? 'Proposition acceptée.' : 'Proposition déclinée.');
            await loadProposals();
          } catch (err) {
            accept.disabled = false; decline.disabled = false;
            li.append(h('p', { class: 'banner error', role: 'alert' }, err.message));
            announce(`Erreur : ${err.message}`);
          }
        };
        accept.addEventListener('click', () => respond(true));
        decline.addEventListener('click', () => respond(false));
        li.append(h('div', { class: 'actions' }, accept, decline));
      }
      ol.append(li);
    }
    propHolder.append(ol);
  }

  let rankedIds = new Set();
  async function loadRanked() {
    const r = await get(`/v1/graduates/${encodeURIComponent(id)}/rankedOffers`, { pageSize: 20 });
    const results = r.results || [];
    rankedIds = new Set(results.map((x) => x.offer && x.offer.id));
    clear(rankHolder);
    if (!results.length) { rankHolder.append(h('p', null, 'Aucune offre éligible pour le moment.')); return; }
    const ol = h('ol', { class: 'list-plain' });
    results.forEach((ro, i) => {
      const o = ro.offer || {};
      ol.append(h('li', { class: 'card' },
        h('h3', null, `${i + 1}. ${o.title || o.id}`),
        h('p', null, `${label(CONTRACT, o.contractType)} — ${o.place ? o.place.communeName || '' : ''} — ${formatNumber(ro.distanceKm, 1)} km — score ${formatNumber(ro.score, 3)}`),
        factorsBox(ro.factors, i < 3)));
    });
    rankHolder.append(ol);
  }

  async function loadExcluded() {
    clear(exclHolder);
    if (!g.home || !g.home.communeInsee) { exclHolder.append(h('p', null, 'Commune de résidence inconnue.')); return; }
    const radius = Math.min(1000, Math.max(10, Number(g.maxDistanceKm || 30)));
    const r = await get('/v1/offers:search', { communeInsee: g.home.communeInsee, radiusKm: radius, pageSize: 30 });
    const offers = (r.offers || []).map((o, i) => ({ o, d: (r.distanceKm || [])[i] })).filter((x) => !rankedIds.has(x.o.id)).slice(0, 10);
    if (!offers.length) { exclHolder.append(h('p', null, `Aucune autre offre dans un rayon de ${radius} km.`)); return; }
    const ul = h('ul', { class: 'list-plain' });
    const explanations = await Promise.all(offers.map((x) => get(`/v1/graduates/${encodeURIComponent(id)}/offers/${encodeURIComponent(x.o.id)}/explanation`).catch((e) => ({ error: e.message }))));
    offers.forEach((x, i) => {
      const ex = explanations[i];
      const li = h('li', null, h('strong', null, x.o.title || x.o.id), ` — ${x.o.place ? x.o.place.communeName || '' : ''}${x.d !== undefined ? `, ${formatNumber(x.d, 1)} km` : ''}`);
      if (ex.error) li.append(h('p', { class: 'muted' }, ex.error));
      else if (ex.eligible) li.append(h('p', { class: 'muted' }, `Éligible (score ${formatNumber(ex.score, 3)}) mais hors des premières places.`));
      else li.append(h('ul', { class: 'exclusions' }, (ex.exclusions || []).map((e) => h('li', null, `${e.rule}${e.detail ? ` — ${e.detail}` : ''}`))));
      ul.append(li);
    });
    exclHolder.append(ul);
  }

  const fail = (holder) => (e) => { clear(holder).append(h('p', { class: 'banner error', role: 'alert' }, e.message)); };
  await Promise.all([loadProposals().catch(fail(propHolder)), loadRanked().catch(fail(rankHolder)),
    requestsBox ? requestsBox.load().catch(fail(requestsBox.holder)) : null]);
  await loadExcluded().catch(fail(exclHolder));
}

// ---- Requests of the young people ("Demandes des jeunes") -----------------------

const REQ_OPEN = 'GRADUATE_REQUEST_STATE_OPEN';

// Every page of a listing (at most 10 pages of 100).
async function allRequests(params) {
  const out = [];
  let pageToken = '';
  for (let i = 0; i < 10; i += 1) {
    const r = await get('/v1/graduateRequests', { ...params, pageSize: 100, pageToken });
    out.push(...(r.requests || []));
    pageToken = r.nextPageToken || '';
    if (!pageToken) break;
  }
  return out.sort((a, b) => String(b.createTime || '').localeCompare(String(a.createTime || '')));
}

// Tells the navigation that the count of open requests may have changed.
function requestsChanged() {
  document.dispatchEvent(new CustomEvent('passerelle:requests-changed'));
}

// One request, with "Fait" / "Refuser" while open. `names` maps a young
// person's id to their name (null: the page is theirs, no name shown).
function requestCard(r, names, headLevel, onClosed, canClose) {
  const gname = names ? names.get(r.graduateId) || r.graduateId : null;
  const who = r.askedBy === 'ROLE_GUARDIAN' ? 'son ou sa représentant·e légal·e' : 'le ou la jeune';
  const li = h('li', { class: 'card request', dataset: { request: r.id, state: r.state, kind: r.kind, graduate: r.graduateId } });
  const heading = h(headLevel, null, names
    ? h('a', { href: `/jeunes/${encodeURIComponent(r.graduateId)}` }, gname)
    : label(REQUEST_KIND, r.kind), ' ', badge(label(REQUEST_STATE, r.state), kind(REQUEST_STATE, r.state)));
  li.append(heading);
  const dl = h('dl', { class: 'details' });
  if (names) dl.append(h('dt', null, 'Demande'), h('dd', null, label(REQUEST_KIND, r.kind)));
  if (r.kind === 'GRADUATE_REQUEST_KIND_PUT_FORWARD') {
    const title = r.offerTitle || r.offerId || '—';
    dl.append(h('dt', null, 'Offre'), h('dd', { class: 'request-offer' }, names
      ? h('a', { href: `/jeunes/${encodeURIComponent(r.graduateId)}`, title: `La fiche de ${gname} et ses offres classées` }, title)
      : title));
  }
  dl.append(h('dt', null, 'Envoyée le'), h('dd', null, `${formatDate(r.createTime)}, par ${who}`));
  if (r.message) dl.append(h('dt', null, 'Message'), h('dd', { class: 'request-message' }, r.message));
  if (r.state !== REQ_OPEN) {
    dl.append(h('dt', null, 'Traitée le'), h('dd', null, formatDate(r.closeTime) || '—'));
    if (r.answer) dl.append(h('dt', null, 'Réponse'), h('dd', { class: 'request-answer' }, r.answer));
  }
  li.append(dl);
  if (r.state === REQ_OPEN && canClose) li.append(closeForm(r, gname, onClosed));
  return li;
}

function closeForm(r, gname, onClosed) {
  const answer = field({
    label: gname ? `Réponse à ${gname}` : 'Réponse au ou à la jeune',
    name: 'answer', type: 'textarea', hint: 'Facultative pour « Fait », obligatoire pour refuser.',
  });
  answer.control.rows = 2;
  answer.control.setAttribute('maxlength', '2000');
  const msg = banner();
  const done = h('button', { type: 'submit', class: 'request-done', value: 'done' }, 'Fait');
  const refuse = h('button', { type: 'button', class: 'secondary request-decline' }, 'Refuser');
  const form = h('form', { class: 'close-request', novalidate: true }, msg, answer, h('div', { class: 'actions' }, done, refuse));
  const close = async (state) => {
    clearErrors(form);
    const text = answer.control.value.trim();
    if (state === 'GRADUATE_REQUEST_STATE_DECLINED' && !text) {
      showFieldError(answer.control, 'Pour refuser, écrivez une réponse : le ou la jeune la lira.');
      answer.control.focus();
      return;
    }
    done.disabled = true; refuse.disabled = true;
    try {
      await post(`/v1/graduateRequests/${encodeURIComponent(r.id)}:close`, { state, answer: text });
      announce(state === 'GRADUATE_REQUEST_STATE_DONE' ? 'Demande marquée comme faite.' : 'Demande refusée.');
      requestsChanged();
      await onClosed();
    } catch (err) {
      done.disabled = false; refuse.disabled = false;
      showError(form, err, msg);
    }
  };
  form.addEventListener('submit', (e) => { e.preventDefault(); close('GRADUATE_REQUEST_STATE_DONE'); });
  refuse.addEventListener('click', () => close('GRADUATE_REQUEST_STATE_DECLINED'));
  return form;
}

const FILTERS = [['ouvertes', 'Ouvertes'], ['traitees', 'Traitées'], ['toutes', 'Toutes']];

export async function requestsPage(ctx) {
  const { main, query } = ctx;
  const filter = FILTERS.some(([k]) => k === query.get('etat')) ? query.get('etat') : 'ouvertes';
  const holder = h('div', { id: 'requests' }, h('p', { class: 'muted' }, 'Chargement…'));
  main.append(h('h1', null, 'Demandes des jeunes'),
    h('p', { class: 'muted' }, 'Ce que les jeunes (ou leurs représentant·es légaux·ales) vous demandent depuis leur espace : être proposé·e pour une offre, corriger leur fiche.'),
    h('nav', { 'aria-label': 'Filtrer les demandes' }, h('ul', { class: 'tabs' }, FILTERS.map(([k, text]) => h('li', null,
      h('a', { href: k === 'ouvertes' ? '/demandes' : `/demandes?etat=${k}`, 'aria-current': k === filter ? 'page' : null }, text))))),
    holder);
  const names = new Map();
  async function load() {
    const list = await allRequests({ state: filter === 'ouvertes' ? REQ_OPEN : undefined });
    const shown = filter === 'traitees' ? list.filter((r) => r.state !== REQ_OPEN) : list;
    const missing = [...new Set(shown.map((r) => r.graduateId))].filter((id) => !names.has(id));
    await Promise.all(missing.map((id) => get(`/v1/graduates/${encodeURIComponent(id)}`)
      .then((g) => names.set(id, `${g.givenName || ''} ${g.familyName || ''}`.trim() || id))
      .catch(() => names.set(id, id))));
    clear(holder);
    const count = h('p', { class: 'request-count', role: 'status' }, shown.length
      ? `${shown.length} demande${shown.length > 1 ? 's' : ''}${filter === 'ouvertes' ? ` ouverte${shown.length > 1 ? 's' : ''}` : ''}.`
      : (filter === 'ouvertes' ? 'Aucune demande ouverte.' : 'Aucune demande.'));
    holder.append(count);
    if (!shown.length) return;
    holder.append(h('ul', { class: 'list-plain requests' }, shown.map((r) => requestCard(r, names, 'h2', load, true))));
  }
  await load();
}

// The requests of one young person, on their page.
function graduateRequestsSection(id, canClose) {
  const holder = h('div', null, h('p', { class: 'muted' }, 'Chargement…'));
  const section = h('section', { 'aria-labelledby': 'g-requests', id: 'graduate-requests' }, h('h2', { id: 'g-requests' }, 'Demandes du ou de la jeune'), holder);
  section.load = async () => {
    const list = await allRequests({ graduateId: id });
    clear(holder);
    if (!list.length) { holder.append(h('p', null, 'Aucune demande.')); return; }
    holder.append(h('ul', { class: 'list-plain requests' }, list.map((r) => requestCard(r, null, 'h3', section.load, canClose))));
  };
  section.holder = holder;
  return section;
}
