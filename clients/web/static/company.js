// Company pages: offers, the offer form, an offer's candidates and proposals.
import {
  h, clear, field, banner, clearErrors, showError, announce, table, badge, factorsBox,
  formatDate, formatNumber, isoDay, showFieldError,
} from './dom.js';

// FieldMask paths in query strings take the JSON (lowerCamelCase) form.
const camel = (path) => path.replace(/_([a-z])/g, (_, c) => c.toUpperCase());
import { get, post, api, ApiError } from './api.js';
import {
  CDD_MOTIVE, CONTRACT, OFFER_STATUS, PROPOSAL_STATE, WEEKDAY_SHORT, WORK_SECTOR, label, kind,
} from './labels.js';
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
  'branch_minimum_monthly_gross_eur', 'schedule', 'work_sector', 'bar_service', 'derogations',
];

// The young-worker working-time terms (Offer.schedule, work_sector,
// bar_service, derogations): the controls, what they send, and the line of
// the textarea each sent shift came from (the server names shifts[N]).
function workingTimeFields(v) {
  const sched = v.schedule || {};
  const der = v.derogations || {};
  const sector = field({
    label: "Secteur d'activité", name: 'offer.work_sector', type: 'select',
    options: [['', 'Autre / aucun de ces secteurs'], ...Object.entries(WORK_SECTOR)],
    value: v.workSector && WORK_SECTOR[v.workSector] ? v.workSector : '',
    hint: 'Certaines règles en dépendent : travail de nuit, dimanches et jours fériés, durées sur les chantiers.',
  });
  // "offer.schedule" (not ".shifts"): the server's errors on the whole
  // schedule and on one of its shifts both land here.
  const shifts = field({
    label: 'Horaires', name: 'offer.schedule', type: 'textarea', value: (sched.shifts || []).join('\n'),
    hint: "Une plage de travail par ligne : le jour et les heures, p. ex. « LUN 08:00-12:00 » ; une pause est l'intervalle entre deux lignes du même jour. Cycle de plusieurs semaines : la semaine en tête, p. ex. « S2 SAM 18:00-23:30 » (S1 à S4). Une fin avant le début tombe le lendemain (« VEN 22:00-02:00 »). Avec des horaires, les heures par semaine (moyenne du cycle) et le travail de nuit en sont déduits : le champ « Heures par semaine » peut rester vide.",
  });
  shifts.control.rows = 6;
  shifts.control.spellcheck = false;
  shifts.control.classList.add('shifts');
  const holidays = field({ label: 'Travail les jours fériés', name: 'offer.schedule.public_holidays', type: 'checkbox', value: sched.publicHolidays });
  const bar = field({ label: 'Service au bar', name: 'offer.bar_service', type: 'checkbox', value: v.barService });
  const siteHours = field({ label: "Chantier : l'organisation collective justifie jusqu'à 10 h/jour et 40 h/semaine (D3162-1)", name: 'offer.derogations.site_hours', type: 'checkbox', value: der.siteHours });
  const weeklyRest = field({ label: 'Accord : repos hebdomadaire de 36 h au lieu de deux jours (L3164-2)', name: 'offer.derogations.weekly_rest_agreement', type: 'checkbox', value: der.weeklyRestAgreement });
  const holidayAgreement = field({ label: 'Accord sur les jours fériés (L3164-8)', name: 'offer.derogations.public_holiday_agreement', type: 'checkbox', value: der.publicHolidayAgreement });
  const nightAuth = field({ label: "Autorisation de travail de nuit de l'inspection du travail (date)", name: 'offer.derogations.night_work_authorised_on', type: 'date', value: der.nightWorkAuthorisedOn || '', hint: "Valable un an. Sans réponse un mois après la demande : la date où elle est réputée accordée." });
  const barAgrement = field({ label: 'Agrément préfectoral pour le service au bar (date)', name: 'offer.derogations.bar_agrement_on', type: 'date', value: der.barAgrementOn || '', hint: 'Valable cinq ans.' });
  const fieldset = h('fieldset', { class: 'working-time' },
    h('legend', null, 'Horaires et conditions (jeunes de moins de 18 ans)'),
    h('p', { class: 'hint' }, "Facultatif : ce qui permet de vérifier les règles des jeunes travailleurs (durées, pauses, nuit, repos, dimanches et jours fériés)."),
    sector, shifts,
    h('div', { class: 'grid2' }, holidays, bar),
    h('fieldset', null, h('legend', null, 'Dérogations et accords'),
      siteHours, weeklyRest, holidayAgreement,
      h('div', { class: 'grid2' }, nightAuth, barAgrement)));
  const lines = [];
  return {
    fieldset,
    lines,
    body() {
      const list = [];
      lines.length = 0;
      shifts.control.value.split(/\r?\n/).forEach((line, i) => {
        const text = line.trim();
        if (text) { list.push(text); lines.push(i + 1); }
      });
      return {
        schedule: { shifts: list, publicHolidays: holidays.control.checked },
        workSector: sector.control.value || undefined,
        barService: bar.control.checked,
        derogations: {
          nightWorkAuthorisedOn: nightAuth.control.value || undefined,
          siteHours: siteHours.control.checked,
          weeklyRestAgreement: weeklyRest.control.checked,
          publicHolidayAgreement: holidayAgreement.control.checked,
          barAgrementOn: barAgrement.control.value || undefined,
        },
      };
    },
  };
}

// The server names a shift by its index among those sent ("shifts[2]"):
// name it by its line in the textarea instead.
function shiftLines(err, lines) {
  const info = err instanceof ApiError ? err.error : null;
  if (!info || !info.message) return;
  const line = (n) => lines[Number(n)] || Number(n) + 1;
  const one = /^offer\.schedule\.shifts\[(\d+)\]$/.exec(info.field || '');
  if (one) {
    info.message = `Ligne ${line(one[1])} : ${info.message.replace(/^[A-Za-z_][\w.[\]]*: /, '')}`;
  } else if (/^offer\.schedule$/.test(info.field || '')) {
    info.message = info.message.replace(/\bshifts\[(\d+)\]/g, (_, n) => `ligne ${line(n)}`);
  }
}

export async function offerFormPage(ctx) {
  const { main } = ctx;
  const editing = ctx.params[0] ? decodeURIComponent(ctx.params[0]) : '';
  const offer = editing ? await get(`/v1/offers/${encodeURIComponent(editing)}`) : null;
  const v = offer || {};
  const title = field({ label: "Intitulé de l'offre", name: 'offer.title', required: true, value: v.title, maxlength: 200 });
  const trade = tradeField({ label: 'Métier (ROME)', name: 'offer.rome_code', required: true, value: v.romeCode, display: v.romeCode });
  const contract = field({ label: 'Type de contrat', name: 'offer.contract_type', type: 'select', required: true, options: contractOptions(), value: v.contractType || 'CONTRACT_TYPE_APPRENTICESHIP' });
  const duration = field({ label: 'Durée (mois)', name: 'offer.duration_months', type: 'number', min: 0, max: 36, value: offer ? v.durationMonths || 0 : 24, hint: 'Apprentissage : 6 à 36 mois ; CDD : selon son motif ; CDI : 0.' });
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
  const hours = field({ label: 'Heures par semaine', name: 'offer.weekly_hours', type: 'number', min: 1, max: 48, step: '0.5', value: v.weeklyHours ?? 35, hint: "Déduites des horaires, s'ils sont donnés." });
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
  const night = field({ label: "Travail de nuit (déduit des horaires, s'ils sont donnés)", name: 'offer.night_work', type: 'checkbox', value: v.nightWork });
  const workingTime = workingTimeFields(v);
  const licence = field({ label: 'Permis de conduire requis', name: 'offer.driving_licence_required', type: 'checkbox', value: v.drivingLicenceRequired });
  const description = field({ label: 'Description', name: 'offer.description', type: 'textarea', value: v.description || '' });
  const msg = banner();
  const submit = h('button', { type: 'submit' }, editing ? 'Enregistrer' : "Publier l'offre");
  const form = h('form', { class: 'card', novalidate: true }, msg, title,
    h('div', { class: 'grid2' }, trade, commune),
    h('div', { class: 'grid3' }, contract, duration, start), cddFields,
    h('div', { class: 'grid3' }, hours, positions, salary), branchMin,
    h('div', { class: 'grid3' }, target, level, expires),
    skills, h('div', { class: 'grid2' }, night, licence), workingTime.fieldset, description,
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
      ...workingTime.body(),
    };
    // With shifts, the server derives the weekly hours (the cycle's average).
    if (body.schedule.shifts.length) body.weeklyHours = undefined;
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
      } else {
        shiftLines(err, workingTime.lines);
        showError(form, err, msg);
      }
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
  const shifts = (o.schedule && o.schedule.shifts) || [];
  add('Heures / semaine', o.weeklyHours ? (shifts.length ? `${formatNumber(o.weeklyHours, 2)} (moyenne des horaires)` : formatNumber(o.weeklyHours, 1)) : '');
  if (o.workSector && WORK_SECTOR[o.workSector]) add("Secteur d'activité", label(WORK_SECTOR, o.workSector));
  if (shifts.length) add('Horaires', scheduleList(shifts));
  if (o.schedule && o.schedule.publicHolidays) add('Jours fériés', 'travaillés');
  if (o.barService) add('Service au bar', 'oui');
  add('Postes pourvus', `${o.positionsFilled || 0} / ${o.positions || 0}`);
  if (o.monthlyGrossSalaryEur) add('Salaire brut mensuel', `${formatNumber(o.monthlyGrossSalaryEur, 2)} €`);
  if (o.nightWork) add('Travail de nuit', 'oui');
  const derogations = derogationLines(o.derogations);
  if (derogations.length) add('Dérogations et accords', h('ul', { class: 'lines' }, derogations.map((t) => h('li', null, t))));
  if (o.description) add('Description', o.description);
  return dl;
}

// "W1 MON 08:00-12:00" (as the server writes shifts back) -> "Sem. 1 lun.
// 08:00–12:00", without the week when the cycle has one; any other text as is.
const SHIFT = /^W(\d+) ([A-Z]{3}) (\d\d:\d\d)-(\d\d:\d\d)$/;
function scheduleList(shifts) {
  const weeks = Math.max(1, ...shifts.map((s) => { const m = SHIFT.exec(s); return m ? Number(m[1]) : 1; }));
  return h('ul', { class: 'lines schedule' }, shifts.map((s) => {
    const m = SHIFT.exec(s);
    if (!m) return h('li', null, s);
    return h('li', null, `${weeks > 1 ? `Sem. ${m[1]} ` : ''}${WEEKDAY_SHORT[m[2]] || m[2]} ${m[3]}–${m[4]}`);
  }));
}

function derogationLines(d) {
  if (!d) return [];
  const out = [];
  if (d.nightWorkAuthorisedOn) out.push(`Travail de nuit autorisé par l'inspection du travail le ${formatDate(d.nightWorkAuthorisedOn)}`);
  if (d.siteHours) out.push("Chantier : jusqu'à 10 h/jour et 40 h/semaine (D3162-1)");
  if (d.weeklyRestAgreement) out.push('Repos hebdomadaire de 36 h au lieu de deux jours (L3164-2)');
  if (d.publicHolidayAgreement) out.push('Accord sur les jours fériés (L3164-8)');
  if (d.barAgrementOn) out.push(`Agrément préfectoral pour le service au bar du ${formatDate(d.barAgrementOn)}`);
  return out;
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
