// Company pages: offers, the offer form, an offer's candidates and proposals.
import {
  h, clear, field, banner, clearErrors, showError, announce, table, badge, factorsBox,
  formatDate, formatNumber, isoDay, showFieldError,
} from './dom.js';

// FieldMask paths in query strings take the JSON (lowerCamelCase) form.
const camel = (path) => path.replace(/_([a-z])/g, (_, c) => c.toUpperCase());
import { get, post, api, ApiError } from './api.js';
import { CDD_MOTIVE, CONTRACT, OFFER_STATUS, PROPOSAL_STATE, label, kind } from './labels.js';
import { communeField, tradeField } from './combobox.js';

export async function offersPage(ctx) {
  const { main } = ctx;
  main.append(h('h1', null, 'Mes offres'),
    h('div', { class: 'actions' }, h('a', { class: 'button', href: '/offres/nouvelle' }, 'Publier une offre')));
  const holder = h('div', null, h('p', { class: 'muted' }, 'Chargement des offres…'));
  main.append(holder);
  let pageToken = '';
  const all = [];
  const more = h('button', { type: 'button', class: 'secondary' }, 'Afficher plus');
  async function load() {
    const r = await get('/v1/offers', { pageSize: 50, pageToken, companyId: ctx.me.organizationId });
    all.push(...(r.offers || []));
    pageToken = r.nextPageToken || '';
    clear(holder);
    if (!all.length) {
      holder.append(h('p', null, "Vous n'avez encore publié aucune offre."));
      return;
    }
    holder.append(table([
      { label: 'Offre', cell: (o) => h('a', { href: `/offres/${o.id}` }, o.title || o.id) },
      { label: 'Métier', cell: (o) => o.romeCode || '' },
      { label: 'Contrat', cell: (o) => label(CONTRACT, o.contractType) },
      { label: 'Lieu', cell: (o) => (o.place ? `${o.place.communeName || o.place.communeInsee || ''}` : '') },
      { label: 'Début', cell: (o) => formatDate(o.startDate) },
      { label: 'Postes', num: true, cell: (o) => `${o.positionsFilled || 0} / ${o.positions || 0}` },
      { label: 'État', cell: (o) => badge(label(OFFER_STATUS, o.status), kind(OFFER_STATUS, o.status)) },
    ], all, { caption: `${all.length} offre${all.length > 1 ? 's' : ''}` }));
    if (pageToken) holder.append(h('div', { class: 'actions' }, more));
  }
  more.addEventListener('click', () => load().catch((e) => announce(e.message)));
  await load();
}

function contractOptions() {
  return [['CONTRACT_TYPE_APPRENTICESHIP', 'Apprentissage'], ['CONTRACT_TYPE_CDI', 'CDI'],
    ['CONTRACT_TYPE_CDD', 'CDD'], ['CONTRACT_TYPE_PROFESSIONALISATION', 'Professionnalisation']];
}

const EDITABLE = [
  'title', 'description', 'rome_code', 'contract_type', 'duration_months', 'start_date', 'weekly_hours',
  'night_work', 'required_level', 'positions', 'monthly_gross_salary_eur', 'place', 'expires_on',
  'required_skills', 'driving_licence_required', 'target_diploma', 'cdd_motive', 'cdd_branch_max_months',
  'branch_minimum_monthly_gross_eur',
];

export async function offerFormPage(ctx) {
  const { main } = ctx;
  const editing = ctx.params[0] ? decodeURIComponent(ctx.params[0]) : '';
  const offer = editing ? await get(`/v1/offers/${encodeURIComponent(editing)}`) : null;
  const v = offer || {};
  const title = field({ label: "Intitulé de l'offre", name: 'offer.title', required: true, value: v.title, maxlength: 200 });
  const trade = tradeField({ label: 'Métier (ROME)', name: 'offer.rome_code', required: true, value: v.romeCode, display: v.romeCode });
  const contract = field({ label: 'Type de contrat', name: 'offer.contract_type', type: 'select', required: true, options: contractOptions(), value: v.contractType || 'CONTRACT_TYPE_APPRENTICESHIP' });
  const duration = field({ label: 'Durée (mois)', name: 'offer.duration_months', type: 'number', min: 0, max: 36, value: v.durationMonths ?? 24, hint: 'Apprentissage : 6 à 36 mois ; CDD : selon son motif ; CDI : 0.' });
  // A CDD needs its motive (L1242-2), which bounds its length (L1242-8-1).
  const cddMotive = field({
    label: 'Motif du CDD', name: 'offer.cdd_motive', type: 'select', required: true,
    options: [['', 'Choisir le motif…'], ...Object.entries(CDD_MOTIVE)], value: v.cddMotive || '',
  });
  const cddBranch = field({ label: "Durée maximale fixée par l'accord de branche (mois, facultatif)", name: 'offer.cdd_branch_max_months', type: 'number', min: 0, max: 36, value: v.cddBranchMaxMonths || '', hint: "Remplace le maximum légal du motif (L1242-8) ; vide s'il n'y en a pas." });
  const cddFields = h('div', { class: 'grid2' }, cddMotive, cddBranch);
  const showCdd = () => { cddFields.hidden = contract.control.value !== 'CONTRACT_TYPE_CDD'; };
  contract.control.addEventListener('change', showCdd);
  showCdd();
  const start = field({ label: 'Date de début', name: 'offer.start_date', type: 'date', required: true, value: v.startDate || isoDay(30) });
  const hours = field({ label: 'Heures par semaine', name: 'offer.weekly_hours', type: 'number', min: 1, max: 48, step: '0.5', value: v.weeklyHours ?? 35 });
  const positions = field({ label: 'Nombre de postes', name: 'offer.positions', type: 'number', min: 1, value: v.positions ?? 1 });
  const salary = field({ label: 'Salaire brut mensuel (€)', name: 'offer.monthly_gross_salary_eur', type: 'number', min: 0, step: '0.01', value: v.monthlyGrossSalaryEur ?? '' });
  const branchMin = field({ label: 'Salaire minimum conventionnel (€, 35 h, facultatif)', name: 'offer.branch_minimum_monthly_gross_eur', type: 'number', min: 0, step: '0.01', value: v.branchMinimumMonthlyGrossEur || '', hint: "Le minimum de l'accord de branche pour ce poste : il relève le minimum légal vérifié (apprenti·e de 21 ans et plus, CDI, CDD)." });
  const level = field({
    label: 'Niveau requis', name: 'offer.required_level', type: 'select',
    options: [['0', 'Aucun'], ['3', '3 (CAP)'], ['4', '4 (Bac pro)'], ['5', '5 (BTS)'], ['6', '6 (Licence)']],
    value: String(v.requiredLevel || 0),
  });
  const commune = communeField({ label: 'Commune du poste', name: 'offer.place.commune_insee', required: true, value: v.place && v.place.communeInsee, display: v.place && v.place.communeName ? `${v.place.communeName} — ${v.place.communeInsee}` : undefined });
  const target = field({ label: 'Diplôme préparé (code CFD ou RNCP)', name: 'offer.target_diploma.code', value: v.targetDiploma && v.targetDiploma.code, hint: 'Apprentissage et professionnalisation : le diplôme que prépare le contrat (ex. 46125406).' });
  const expires = field({ label: "Date d'expiration (facultative)", name: 'offer.expires_on', type: 'date', value: v.expiresOn || '' });
  const skills = field({ label: 'Compétences requises', name: 'offer.required_skills', value: (v.requiredSkills || []).join(', '), hint: 'Séparées par des virgules.' });
  const night = field({ label: 'Travail de nuit', name: 'offer.night_work', type: 'checkbox', value: v.nightWork });
  const licence = field({ label: 'Permis de conduire requis', name: 'offer.driving_licence_required', type: 'checkbox', value: v.drivingLicenceRequired });
  const description = field({ label: 'Description', name: 'offer.description', type: 'textarea', value: v.description || '' });
  const msg = banner();
  const submit = h('button', { type: 'submit' }, editing ? 'Enregistrer' : "Publier l'offre");
  const form = h('form', { class: 'card', novalidate: true }, msg, title,
    h('div', { class: 'grid2' }, trade, commune),
    h('div', { class: 'grid3' }, contract, duration, start), cddFields,
    h('div', { class: 'grid3' }, hours, positions, salary), branchMin,
    h('div', { class: 'grid3' }, target, level, expires),
    skills, h('div', { class: 'grid2' }, night, licence), description,
    h('div', { class: 'actions' }, submit, h('a', { href: editing ? `/offres/${encodeURIComponent(editing)}` : '/offres', class: 'button secondary' }, 'Annuler')));

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    const num = (f) => (f.control.value === '' ? undefined : Number(f.control.value));
    const body = {
      title: title.control.value.trim(),
      romeCode: trade.control.comboValue(),
      contractType: contract.control.value,
      durationMonths: num(duration) || 0,
      cddMotive: contract.control.value === 'CONTRACT_TYPE_CDD' && cddMotive.control.value ? cddMotive.control.value : undefined,
      cddBranchMaxMonths: contract.control.value === 'CONTRACT_TYPE_CDD' ? num(cddBranch) || 0 : 0,
      startDate: start.control.value,
      weeklyHours: num(hours),
      positions: num(positions),
      monthlyGrossSalaryEur: num(salary),
      branchMinimumMonthlyGrossEur: num(branchMin) || 0,
      requiredLevel: Number(level.control.value),
      targetDiploma: target.control.value.trim() ? { code: target.control.value.trim() } : undefined,
      place: { communeInsee: commune.control.comboValue() },
      expiresOn: expires.control.value || undefined,
      requiredSkills: skills.control.value.split(',').map((s) => s.trim()).filter(Boolean),
      nightWork: night.control.checked,
      drivingLicenceRequired: licence.control.checked,
      description: description.control.value,
    };
    if (!body.title) { showFieldError(title.control, "L'intitulé est obligatoire."); title.control.focus(); return; }
    submit.disabled = true;
    try {
      let saved;
      if (editing) {
        body.id = editing;
        body.version = offer.version;
        saved = await api('PATCH', `/v1/offers/${encodeURIComponent(editing)}?updateMask=${EDITABLE.map(camel).join(',')}`, body);
      } else {
        saved = await post('/v1/offers', body);
      }
      announce(editing ? 'Offre enregistrée.' : 'Offre publiée.');
      await ctx.navigate(`/offres/${encodeURIComponent(saved.id)}`);
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) {
        msg.textContent = "L'offre a été modifiée entre-temps par quelqu'un d'autre : rechargez la page pour voir sa dernière version.";
        msg.className = 'banner error';
        announce(msg.textContent);
      } else showError(form, err, msg);
    } finally {
      submit.disabled = false;
    }
  });
  main.append(h('h1', null, editing ? "Modifier l'offre" : 'Nouvelle offre'),
    h('p', { class: 'muted' }, 'Les champs marqués * sont obligatoires.'), form);
}

function offerDetails(o) {
  const dl = h('dl', { class: 'details' });
  const add = (k, val) => { if (val !== undefined && val !== '' && val !== null) dl.append(h('dt', null, k), h('dd', null, val)); };
  add('État', badge(label(OFFER_STATUS, o.status), kind(OFFER_STATUS, o.status)));
  add('Métier (ROME)', o.romeCode);
  add('Contrat', `${label(CONTRACT, o.contractType)}${o.durationMonths ? `, ${o.durationMonths} mois` : ''}`);
  if (o.cddMotive) add('Motif du CDD', label(CDD_MOTIVE, o.cddMotive));
  if (o.cddBranchMaxMonths) add("Maximum de l'accord de branche", `${o.cddBranchMaxMonths} mois`);
  if (o.branchMinimumMonthlyGrossEur) add('Minimum conventionnel', `${formatNumber(o.branchMinimumMonthlyGrossEur, 2)} €`);
  add('Lieu', o.place ? `${o.place.communeName || ''} (${o.place.communeInsee || ''})` : '');
  if (o.targetDiploma && (o.targetDiploma.code || o.targetDiploma.title)) add('Diplôme préparé', `${o.targetDiploma.title || ''} (${o.targetDiploma.code || ''})`);
  add('Début', formatDate(o.startDate));
  add('Heures / semaine', o.weeklyHours ? formatNumber(o.weeklyHours, 1) : '');
  add('Postes pourvus', `${o.positionsFilled || 0} / ${o.positions || 0}`);
  if (o.monthlyGrossSalaryEur) add('Salaire brut mensuel', `${formatNumber(o.monthlyGrossSalaryEur, 2)} €`);
  if (o.nightWork) add('Travail de nuit', 'oui');
  if (o.description) add('Description', o.description);
  return dl;
}

export async function offerPage(ctx) {
  const { main } = ctx;
  const id = decodeURIComponent(ctx.params[0]);
  const offer = await get(`/v1/offers/${encodeURIComponent(id)}`);
  const open = offer.status === 'OFFER_STATUS_OPEN';
  const actions = h('div', { class: 'actions' });
  if (ctx.me.role === 'ROLE_COMPANY') {
    actions.append(h('a', { class: 'button secondary', href: `/offres/${encodeURIComponent(id)}/modifier` }, 'Modifier'));
    if (open) {
      const closeBtn = h('button', { type: 'button', class: 'danger' }, "Fermer l'offre");
      closeBtn.addEventListener('click', async () => {
        if (!window.confirm('Fermer cette offre ? Elle ne sera plus proposée.')) return;
        try {
          await post(`/v1/offers/${encodeURIComponent(id)}:close`, {});
          announce('Offre fermée.');
          await ctx.navigate(location.pathname, { replace: true });
        } catch (err) { announce(`Erreur : ${err.message}`); }
      });
      actions.append(closeBtn);
    }
  }
  main.append(h('h1', null, offer.title || offer.id), h('p', { class: 'muted' }, `Réf. ${offer.id}${offer.externalId ? ` — ${offer.externalId}` : ''}`),
    h('section', { class: 'card', 'aria-labelledby': 'offer-details' }, h('h2', { id: 'offer-details' }, "Détails de l'offre"), offerDetails(offer), actions));

  const propSection = h('section', { 'aria-labelledby': 'offer-proposals' }, h('h2', { id: 'offer-proposals' }, 'Propositions envoyées'));
  const propHolder = h('div', null, h('p', { class: 'muted' }, 'Chargement…'));
  propSection.append(propHolder);
  const candSection = h('section', { 'aria-labelledby': 'offer-candidates' }, h('h2', { id: 'offer-candidates' }, 'Candidat·es classé·es'),
    h('p', { class: 'muted' }, "Les candidat·es sont pseudonymes : leur nom et leurs coordonnées ne sont visibles qu'une fois votre proposition acceptée. Les distances sont arrondies par tranches de 5 km."));
  const candHolder = h('div', null, h('p', { class: 'muted' }, 'Chargement…'));
  candSection.append(candHolder);
  main.append(propSection, candSection);

  let proposed = new Set();
  async function loadProposals() {
    const r = await get('/v1/proposals', { offerId: id, pageSize: 100 });
    const list = r.proposals || [];
    proposed = new Set(list.filter((p) => ['PROPOSAL_STATE_SENT', 'PROPOSAL_STATE_ACCEPTED'].includes(p.state)).map((p) => p.graduateId));
    clear(propHolder);
    if (!list.length) { propHolder.append(h('p', null, 'Aucune proposition envoyée pour cette offre.')); return; }
    propHolder.append(table([
      { label: 'Candidat·e', cell: (p) => candidateName(p) },
      { label: 'État', cell: (p) => badge(label(PROPOSAL_STATE, p.state), kind(PROPOSAL_STATE, p.state)) },
      { label: 'Réponse attendue le', cell: (p) => formatDate(p.respondBy) },
      { label: 'Envoyée le', cell: (p) => formatDate(p.createTime) },
      { label: 'Contact', cell: (p) => contact(p) },
    ], list, { caption: `${list.length} proposition${list.length > 1 ? 's' : ''}` }));
  }
  async function loadCandidates() {
    let r;
    try {
      r = await get(`/v1/offers/${encodeURIComponent(id)}/rankedGraduates`, { pageSize: 20 });
    } catch (err) {
      clear(candHolder).append(h('p', { class: 'banner error', role: 'alert' }, err.message));
      return;
    }
    const results = r.results || [];
    clear(candHolder);
    if (!results.length) { candHolder.append(h('p', null, 'Aucun·e candidat·e éligible pour le moment.')); return; }
    const ol = h('ol', { class: 'list-plain candidates' });
    results.forEach((rg, i) => ol.append(candidateItem(rg, i)));
    candHolder.append(ol);
  }
  function candidateItem(rg, i) {
    const c = rg.candidate || {};
    const li = h('li', { class: 'card candidate', dataset: { candidate: c.graduateId || '' } });
    const diploma = c.diploma ? `${c.diploma.title || c.diploma.code || ''}${c.diploma.level ? ` (niveau ${c.diploma.level})` : ''}` : '';
    li.append(h('h3', null, `${i + 1}. ${c.pseudonym || 'Candidat·e'} `, h('span', { class: 'muted cnd-id' }, c.graduateId || '')),
      h('dl', { class: 'details' },
        h('dt', null, 'Score'), h('dd', null, formatNumber(rg.score, 3)),
        h('dt', null, 'Distance'), h('dd', null, `≤ ${formatNumber(rg.distanceKm)} km`),
        diploma ? [h('dt', null, 'Diplôme'), h('dd', null, diploma)] : null,
        h('dt', null, 'Métiers'), h('dd', null, (c.romeCodes || []).join(', ') || '—'),
        h('dt', null, 'Département'), h('dd', null, c.departementCode || '—'),
        c.minorAtStart ? [h('dt', null, 'Mineur·e au début'), h('dd', null, 'oui (règles des jeunes travailleurs)')] : null,
        c.drivingLicence ? [h('dt', null, 'Permis'), h('dd', null, 'oui')] : null),
      factorsBox(rg.factors, i < 3));
    if (ctx.me.role === 'ROLE_COMPANY' && open) {
      if (proposed.has(c.graduateId)) li.append(h('p', null, badge('Proposition envoyée', 'sent')));
      else li.append(proposalForm(c));
    }
    return li;
  }
  function proposalForm(c) {
    const deadline = field({ label: 'Réponse attendue au plus tard le', name: 'respond_by', type: 'date', required: true, value: isoDay(14) });
    const message = field({ label: 'Message (facultatif)', name: 'message', type: 'textarea' });
    const msg = banner();
    const form = h('form', { class: 'proposal-form', novalidate: true }, msg, h('div', { class: 'grid2' }, deadline, message),
      h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Envoyer une proposition')));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearErrors(form);
      try {
        await post('/v1/proposals', { offerId: id, graduateId: c.graduateId, respondBy: deadline.control.value, message: message.control.value });
        announce('Proposition envoyée.');
        await loadProposals();
        form.replaceWith(h('p', null, badge('Proposition envoyée', 'sent')));
      } catch (err) { showError(form, err, msg); }
    });
    return form;
  }
  await loadProposals();
  await loadCandidates();
}

function candidateName(p) {
  if (p.givenName || p.familyName) return h('strong', { class: 'person-name' }, `${p.givenName || ''} ${p.familyName || ''}`.trim());
  const c = p.candidate || {};
  return h('span', null, c.pseudonym || '', ' ', h('span', { class: 'muted cnd-id' }, p.graduateId || c.graduateId || ''));
}

function contact(p) {
  const parts = [];
  if (p.email) parts.push(h('a', { href: `mailto:${p.email}` }, p.email));
  if (p.phone) parts.push(h('a', { href: `tel:${p.phone.replace(/\s/g, '')}` }, p.phone));
  if (!parts.length) return h('span', { class: 'muted' }, p.state === 'PROPOSAL_STATE_ACCEPTED' ? '—' : 'Après acceptation');
  return h('span', { class: 'contact' }, parts.flatMap((x, i) => (i ? [h('br'), x] : [x])));
}
