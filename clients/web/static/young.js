// The young person's space (ROLE_GRADUATE) and their legal
// representative's (ROLE_GUARDIAN): the proposals received, best first,
// with their reasons said in plain French; answering them (a minor's
// acceptance waits for the representative); comparing two or three; the
// other offers that fit; "Mes données" and the export. Phone first.
import {
  h, clear, announce, badge, formatNumber, formatDate, field, banner, clearErrors, showError, showFieldError, uid,
} from './dom.js';
import { get, post } from './api.js';
import { CONTRACT, PROPOSAL_STATE, DIPLOMA_STATUS, REQUEST_STATE, label, kind } from './labels.js';

// "de Lina", "d'Inès": French elides "de" before a vowel or a mute h.
function ofName(name) {
  return /^[aeiouyàâäéèêëîïôöùûüÿh]/i.test(name || '') ? `d'${name}` : `de ${name}`;
}

const ACTIVE = ['PROPOSAL_STATE_SENT', 'PROPOSAL_STATE_AWAITING_GUARDIAN', 'PROPOSAL_STATE_ACCEPTED'];

// "YYYY-MM-DD" -> a local Date at midnight.
function day(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso || '');
  return m ? new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : null;
}

function today() {
  const n = new Date();
  return new Date(n.getFullYear(), n.getMonth(), n.getDate());
}

export function longDate(iso) {
  const d = day(iso);
  if (!d) return '';
  const sameYear = d.getFullYear() === new Date().getFullYear();
  return d.toLocaleDateString('fr-FR', sameYear ? { day: 'numeric', month: 'long' } : { day: 'numeric', month: 'long', year: 'numeric' });
}

// "dans 5 jours", "demain", "aujourd'hui", or null once past.
export function countdown(iso) {
  const d = day(iso);
  if (!d) return '';
  const days = Math.round((d - today()) / 86400000);
  if (days < 0) return null;
  if (days === 0) return "aujourd'hui";
  if (days === 1) return 'demain';
  return `dans ${days} jours`;
}

export function ageOn(birth, on = today()) {
  const b = day(birth);
  if (!b) return null;
  let age = on.getFullYear() - b.getFullYear();
  if (on.getMonth() < b.getMonth() || (on.getMonth() === b.getMonth() && on.getDate() < b.getDate())) age -= 1;
  return age;
}

const euros = (v) => `${formatNumber(v, 0)} €`;

// The young person the pages are about. A representative of several
// minors (one account for all, each until their 18th birthday) picks one,
// remembered for the session; everyone else has one.
let current = '';
function youngOf(me, query) {
  const ids = me.graduateIds && me.graduateIds.length ? me.graduateIds : [me.graduateId];
  const asked = query && query.get('pour');
  let id = ids.includes(asked) ? asked : sessionStorage.getItem('psl_young');
  if (!ids.includes(id)) id = ids[0];
  sessionStorage.setItem('psl_young', id);
  current = id;
  return id;
}

// For a representative of several: links to each young person's page.
async function chooser(me, gid, path) {
  const ids = me.graduateIds || [];
  if (ids.length < 2) return null;
  const names = await Promise.all(ids.map((id) => (id === gid ? null : get(`/v1/graduates/${encodeURIComponent(id)}`).catch(() => null))));
  const nav = h('nav', { class: 'young-chooser', 'aria-label': 'Les jeunes que vous représentez' });
  const ul = h('ul', { class: 'list-plain' });
  ids.forEach((id, i) => {
    const label = id === gid ? null : (names[i] && names[i].givenName) || id;
    ul.append(h('li', null, id === gid
      ? h('a', { href: `${path}?pour=${encodeURIComponent(id)}`, 'aria-current': 'page', dataset: { young: id } }, h('span', { class: 'chooser-current' }))
      : h('a', { href: `${path}?pour=${encodeURIComponent(id)}`, dataset: { young: id } }, label)));
  });
  nav.append(h('p', { class: 'muted' }, 'Vous représentez :'), ul);
  return nav;
}

// Who the sentences speak to: the young person ("tu") or, for their
// representative, about them (by their first name).
function voice(me, g) {
  const name = g.givenName || 'le ou la jeune';
  if (me.role === 'ROLE_GUARDIAN') {
    return {
      guardian: true, name, home: `de chez ${name}`, first: `le métier que ${name} a mis en premier`,
      one: `un des métiers que ${name} a choisis`, close: `un métier proche de celui que ${name} cherche`,
      far: `un métier un peu éloigné de ce que ${name} cherche`, has: `${name} a`, missing: `il manque à ${name}`,
      age: 'pour son âge', choice: 'son premier choix', accepts: `un des contrats que ${name} accepte`,
      diploma: `Le diplôme ${ofName(name)} correspond bien à ce que l'entreprise cherche.`,
      partly: `Le profil ${ofName(name)} correspond en partie à ce que l'entreprise cherche.`,
      talk: "Parlez-en à l'école avant de répondre.", ask: "demandez-les à l'entreprise", school: "l'école peut vous l'expliquer",
    };
  }
  return {
    guardian: false, name, home: 'de chez toi', first: 'le métier que tu as mis en premier',
    one: 'un des métiers que tu as choisis', close: 'un métier proche de celui que tu cherches',
    far: 'un métier un peu éloigné de ce que tu cherches', has: 'tu as', missing: 'il te manque',
    age: 'pour ton âge', choice: 'ton premier choix', accepts: 'un des contrats que tu acceptes',
    diploma: "Ton diplôme correspond bien à ce que l'entreprise cherche.",
    partly: "Ton profil correspond en partie à ce que l'entreprise cherche.",
    talk: 'Parles-en à ton école avant de répondre.', ask: "demande-les à l'entreprise", school: "ton école peut te l'expliquer",
  };
}

const norm = (s) => String(s || '').trim().toLowerCase().normalize('NFD').replace(/[\u0300-\u036f]/g, '');

// The distance: the one given, else from the distance factor's value
// (exp(-ln 10 · d / radius): 1 at the door, 0.1 at the radius).
function distanceOf(distanceKm, factors, g) {
  if (distanceKm > 0) return distanceKm;
  const f = (factors || []).find((x) => x.name === 'distance');
  const radius = Number(g.maxDistanceKm || 0);
  if (!f || !radius || !(f.value > 0)) return distanceKm || 0;
  return Math.max(0, (-radius * Math.log(f.value)) / Math.LN10);
}

// The reasons, in plain French, from the factors' values and the offer
// (not from the server's English details).
export function reasons({ factors, offer, distanceKm }, g, v) {
  const out = [];
  const o = offer || {};
  const by = {};
  for (const f of factors || []) by[f.name] = f;
  const value = (n) => (by[n] ? Number(by[n].value || 0) : null);

  const trade = value('trade');
  if (trade !== null) {
    if (trade >= 0.999) out.push({ key: 'trade', text: `C'est ${v.first}.`, good: true });
    else if (trade >= 0.85) out.push({ key: 'trade', text: `C'est ${v.one}.`, good: true });
    else if (trade >= 0.4) out.push({ key: 'trade', text: `C'est ${v.close}.` });
    else out.push({ key: 'trade', text: `C'est ${v.far}.` });
  }
  const km = distanceOf(distanceKm, factors, g);
  if (by.distance || distanceKm) {
    out.push({ key: 'distance', text: km < 1 ? `Tout près ${v.home} (moins de 1 km).` : `À ${formatNumber(km, 0)} km ${v.home}.`, good: km <= 15 });
  }
  const below = by['warning:salary_below_legal_minimum'];
  const salary = value('salary');
  if (below) {
    out.push({ key: 'salary', text: `${o.monthlyGrossSalaryEur ? `${euros(o.monthlyGrossSalaryEur)} brut par mois : ` : 'Salaire '}en dessous du minimum légal ${v.age}. ${v.talk}`, warn: true });
  } else if (o.monthlyGrossSalaryEur > 0) {
    let tail = '';
    if (salary !== null && salary >= 0.8) tail = `, bien au-dessus du minimum légal ${v.age}`;
    else if (salary !== null && salary > 0.505) tail = `, au-dessus du minimum légal ${v.age}`;
    else if (salary !== null && salary >= 0.495) tail = `, le minimum légal ${v.age}`;
    out.push({ key: 'salary', text: `${euros(o.monthlyGrossSalaryEur)} brut par mois${tail}.`, good: salary !== null && salary > 0.505 });
  } else if (salary !== null) {
    out.push({ key: 'salary', text: `Salaire pas indiqué : au moins le minimum légal ${v.age}.` });
  }
  const required = o.requiredSkills || [];
  if (required.length) {
    const have = new Set((g.skills || []).map(norm));
    const held = required.filter((s) => have.has(norm(s)));
    const miss = required.filter((s) => !have.has(norm(s)));
    const n = required.length;
    let text = `${v.has.charAt(0).toUpperCase()}${v.has.slice(1)} ${held.length} compétence${held.length > 1 ? 's' : ''} demandée${held.length > 1 ? 's' : ''} sur ${n}`;
    if (miss.length && miss.length <= 3) text += ` (${v.missing} : ${miss.join(', ')})`;
    out.push({ key: 'skills', text: `${text}.`, good: held.length === n });
  } else if (by.skills) {
    out.push({ key: 'skills', text: 'Pas de compétence particulière demandée.' });
  }
  const contract = value('contract_preference');
  const ct = o.contractType ? label(CONTRACT, o.contractType) : '';
  if (contract !== null && ct) {
    const what = o.contractType === 'CONTRACT_TYPE_APPRENTICESHIP' ? "Un contrat d'apprentissage" : `Un ${ct}`;
    if (contract >= 0.999) out.push({ key: 'contract', text: `${what}, ${v.choice}.`, good: true });
    else if (contract > 0) out.push({ key: 'contract', text: `${what}, ${v.accepts}.` });
  }
  const fit = value('offer_fit');
  if (fit !== null && fit >= 0.8) out.push({ key: 'fit', text: v.diploma, good: true });
  else if (fit !== null && fit >= 0.5) out.push({ key: 'fit', text: v.partly });
  const fresh = value('freshness');
  if (fresh !== null && fresh >= 0.8) out.push({ key: 'fresh', text: 'Offre publiée ou mise à jour récemment.' });
  if (by['warning:schedule_unstated']) out.push({ key: 'schedule', text: `Les horaires ne sont pas précisés : ${v.ask} avant de dire oui.`, warn: true });
  if (by['warning:working_time_derogation']) out.push({ key: 'derogation', text: `Les horaires utilisent une dérogation prévue pour les moins de 18 ans : ${v.school}.` });
  if (by['warning:regulated_work_allowed'] || by['warning:regulated_work_assumed']) out.push({ key: 'regulated', text: "Le poste comporte des travaux réglementés (machines, produits) : l'entreprise doit former et encadrer." });
  return out;
}

function reasonList(items) {
  return h('ul', { class: 'reasons' }, items.map((r) => h('li', { class: r.warn ? 'warn' : r.good ? 'good' : null, dataset: { reason: r.key } }, r.text)));
}

function offerLine(o, extra) {
  const bits = [];
  if (o.contractType) bits.push(`${label(CONTRACT, o.contractType)}${o.durationMonths ? ` de ${o.durationMonths} mois` : ''}`);
  if (o.place && (o.place.communeName || o.place.communeInsee)) bits.push(`à ${o.place.communeName || o.place.communeInsee}`);
  if (o.startDate) bits.push(`début le ${longDate(o.startDate)}`);
  if (extra) bits.push(extra);
  return h('p', { class: 'offer-line' }, bits.join(' · '));
}


// ---- Requests to the school ("Mes demandes") ------------------------------

const PUT_FORWARD = 'GRADUATE_REQUEST_KIND_PUT_FORWARD';
const CORRECTION = 'GRADUATE_REQUEST_KIND_CORRECTION';
const OPEN = 'GRADUATE_REQUEST_STATE_OPEN';

async function listRequests() {
  const r = await get('/v1/graduateRequests', { pageSize: 100, graduateId: current });
  return (r.requests || []).slice().sort((a, b) => String(b.createTime || '').localeCompare(String(a.createTime || '')));
}

// The section listing the requests; .render(list) fills it.
function requestsSection(v) {
  const holder = h('div', { id: 'young-requests' }, h('p', { class: 'muted' }, 'Chargement…'));
  const section = h('section', { 'aria-labelledby': 'young-requests-title', class: 'requests-section' },
    h('h2', { id: 'young-requests-title' }, v.guardian ? "Demandes à l'école" : 'Mes demandes'), holder);
  const school = v.guardian ? "l'école" : 'ton école';
  section.render = (list) => {
    clear(holder);
    if (!list.length) {
      holder.append(h('p', { class: 'empty' }, v.guardian
        ? `Aucune demande envoyée à l'école pour ${v.name}.`
        : "Tu n'as encore rien demandé à ton école."));
      return;
    }
    const ul = h('ul', { class: 'list-plain requests' });
    for (const r of list) {
      const title = r.kind === PUT_FORWARD
        ? `Être proposé·e pour « ${r.offerTitle || r.offerId} »`
        : (v.guardian ? 'Correction de la fiche' : 'Correction de ta fiche');
      let by = '';
      if (r.askedBy === 'ROLE_GUARDIAN' && !v.guardian) by = ' par ton ou ta représentant·e légal·e';
      else if (r.askedBy === 'ROLE_GRADUATE' && v.guardian) by = ` par ${v.name}`;
      const li = h('li', { class: 'card request', dataset: { request: r.id, state: r.state, kind: r.kind } },
        h('div', { class: 'card-head' }, h('h3', null, title), badge(label(REQUEST_STATE, r.state), kind(REQUEST_STATE, r.state))),
        h('p', { class: 'muted request-meta' }, `Envoyée${by} le ${formatDate(r.createTime)}`));
      if (r.message) li.append(h('blockquote', { class: 'message' }, h('span', { class: 'muted' }, v.guardian ? 'Message : ' : 'Ton message : '), r.message));
      if (r.state === OPEN) {
        li.append(h('p', { class: 'note waiting' }, `${school.charAt(0).toUpperCase()}${school.slice(1)} n'a pas encore répondu.`));
      } else {
        const done = r.state === 'GRADUATE_REQUEST_STATE_DONE';
        const who = v.guardian ? "Réponse de l'école" : 'Réponse de ton école';
        li.append(h('p', { class: `note ${done ? 'ok' : 'warn'} request-answer` },
          r.answer ? `${who} : ${r.answer}` : (done ? `${school.charAt(0).toUpperCase()}${school.slice(1)} a fait ce qui était demandé.` : `${school.charAt(0).toUpperCase()}${school.slice(1)} a refusé.`)));
      }
      ul.append(li);
    }
    holder.append(ul);
  };
  section.fail = (e) => { clear(holder).append(h('p', { class: 'banner error', role: 'alert' }, e.message)); };
  return section;
}

// Under another offer: ask the school to put the young person forward.
function putForward(o, titleId, v, existing, onSent) {
  const holder = h('div', { class: 'put-forward' });
  const sentText = v.guardian ? "Demande envoyée à l'école" : 'Demande envoyée à ton école';
  const showState = (r) => {
    clear(holder);
    if (r.state === OPEN) holder.append(h('p', { class: 'note sent' }, `${sentText}.`));
    else if (r.state === 'GRADUATE_REQUEST_STATE_DONE') holder.append(h('p', { class: 'note ok' }, v.guardian ? "L'école a fait la demande." : 'Ton école a fait ta demande.'));
    else {
      const answer = (r.answer || 'non').trim();
      holder.append(h('p', { class: 'note warn' }, `${v.guardian ? "L'école a répondu" : 'Ton école a répondu'} : ${answer}${/[.!?…]$/.test(answer) ? '' : '.'}`));
    }
  };
  const showButton = () => {
    clear(holder);
    const ask = h('button', { type: 'button', class: 'secondary ask-button', 'aria-describedby': titleId },
      v.guardian ? "Demander à l'école de proposer cette offre" : 'Demander à mon école de me proposer cette offre');
    ask.addEventListener('click', () => showForm());
    holder.append(ask);
    return ask;
  };
  const showForm = () => {
    clear(holder);
    const message = field({
      label: v.guardian ? "Un mot pour l'école (facultatif)" : 'Un mot pour ton école (facultatif)',
      name: 'request.message', type: 'textarea', maxlength: 2000,
    });
    message.control.setAttribute('maxlength', '2000');
    message.control.rows = 3;
    const msg = banner();
    const send = h('button', { type: 'submit' }, 'Envoyer la demande');
    const cancel = h('button', { type: 'button', class: 'secondary' }, 'Annuler');
    const form = h('form', { class: 'ask-form', novalidate: true, 'aria-labelledby': titleId }, msg, message,
      h('div', { class: 'actions' }, send, cancel));
    cancel.addEventListener('click', () => showButton().focus());
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearErrors(form);
      send.disabled = true;
      try {
        const r = await post('/v1/graduateRequests', { graduateId: current, kind: PUT_FORWARD, offerId: o.id, message: message.control.value.trim() });
        showState(r);
        announce(`${sentText}.`);
        onSent(r);
      } catch (err) {
        send.disabled = false;
        showError(form, err, msg);
      }
    });
    holder.append(form);
    message.control.focus();
  };
  if (existing) showState(existing); else showButton();
  return holder;
}

export async function youngOffersPage(ctx) {
  const { main, me } = ctx;
  const gid = youngOf(me, ctx.query);
  const [g, pick] = await Promise.all([get(`/v1/graduates/${encodeURIComponent(gid)}`), chooser(me, gid, '/mes-offres')]);
  if (pick) { pick.querySelector('.chooser-current').textContent = g.givenName || gid; main.append(pick); }
  const v = voice(me, g);
  const age = ageOn(g.birthDate);
  const minor = age !== null && age < 18;
  main.classList.add('young');
  main.append(h('h1', null, v.guardian ? `Les offres ${ofName(v.name)}` : 'Mes offres'),
    h('p', { class: 'lead' }, v.guardian
      ? `Vous êtes le ou la représentant·e légal·e ${ofName(v.name)}. ${v.name} répond d'abord ; quand ${v.name} accepte une offre, c'est à vous de confirmer ou de refuser.`
      : `Salut ${v.name} ! Voici les offres que des entreprises t'ont envoyées, la meilleure pour toi en premier.`));
  const propHolder = h('div', { id: 'young-proposals' }, h('p', { class: 'muted' }, 'Chargement…'));
  const compareBar = h('div', { class: 'compare-bar', hidden: true });
  const compareHolder = h('section', { id: 'compare', 'aria-labelledby': 'compare-title', hidden: true });
  const otherHolder = h('div', { id: 'young-other' }, h('p', { class: 'muted' }, 'Chargement…'));
  const requests = requestsSection(v);
  main.append(
    h('section', { 'aria-labelledby': 'young-received' }, h('h2', { id: 'young-received' }, v.guardian ? 'Propositions reçues' : 'Les propositions reçues'), propHolder, compareBar),
    compareHolder,
    h('section', { 'aria-labelledby': 'young-more' }, h('h2', { id: 'young-more' }, v.guardian ? `D'autres offres qui correspondent à ${v.name}` : "D'autres offres qui te correspondent"),
      h('p', { class: 'muted' }, v.guardian
        ? `Ces entreprises n'ont pas encore fait de proposition. L'école ${ofName(v.name)} peut leur présenter sa candidature.`
        : "Ces entreprises ne t'ont pas encore fait de proposition. Si l'une d'elles te plaît, demande à ton école de te proposer."),
      otherHolder),
    requests);

  let proposals = [];
  const selected = new Set();

  function renderCompareBar() {
    clear(compareBar);
    compareBar.hidden = proposals.length < 2;
    const n = selected.size;
    const btn = h('button', { type: 'button', id: 'compare-button', disabled: n < 2 }, n >= 2 ? `Comparer (${n})` : 'Comparer');
    btn.addEventListener('click', () => renderCompare());
    compareBar.append(h('p', { class: 'muted' }, v.guardian ? 'Cochez deux ou trois offres pour les voir côte à côte.' : 'Coche deux ou trois offres pour les voir côte à côte.'), btn);
  }

  function renderCompare() {
    const list = proposals.filter((p) => selected.has(p.id));
    clear(compareHolder);
    compareHolder.hidden = false;
    const short = (p) => (p.offerTitle || (p.offer || {}).title || p.offerId);
    const rows = [
      ['Contrat', (p) => { const o = p.offer || {}; return `${label(CONTRACT, o.contractType || p.contractType)}${o.durationMonths ? `, ${o.durationMonths} mois` : ''}`; }],
      ['Lieu', (p) => { const o = p.offer || {}; const km = distanceOf(p.distanceKm, p.factors, g); return `${o.place ? o.place.communeName || '' : ''}${km ? ` (${formatNumber(km, 0)} km)` : ''}`; }],
      ['Salaire brut', (p) => { const o = p.offer || {}; return o.monthlyGrossSalaryEur ? `${euros(o.monthlyGrossSalaryEur)} / mois` : 'non indiqué'; }],
      ['Début', (p) => longDate((p.offer || {}).startDate) || '—'],
      ['Heures', (p) => { const o = p.offer || {}; return o.weeklyHours ? `${formatNumber(o.weeklyHours, 1)} h / semaine` : '—'; }],
      ['Métier', (p) => (reasons(p, g, v).find((r) => r.key === 'trade') || { text: '—' }).text],
      ['Compétences', (p) => (reasons(p, g, v).find((r) => r.key === 'skills') || { text: '—' }).text],
      ['Répondre avant', (p) => (p.respondBy ? `${longDate(p.respondBy)}${countdown(p.respondBy) ? ` (${countdown(p.respondBy)})` : ''}` : '—')],
    ];
    const table = h('table', { class: 'compare' },
      h('caption', { class: 'visually-hidden' }, 'Comparaison des offres'),
      h('thead', null, h('tr', null, h('td'), list.map((p) => h('th', { scope: 'col' }, short(p))))),
      h('tbody', null, rows.map(([name, cell]) => h('tr', null, h('th', { scope: 'row' }, name),
        list.map((p) => h('td', { 'data-label': short(p) }, cell(p)))))));
    const close = h('button', { type: 'button', class: 'secondary' }, 'Fermer la comparaison');
    close.addEventListener('click', () => { compareHolder.hidden = true; document.getElementById('compare-button')?.focus(); });
    const title = h('h2', { id: 'compare-title', tabindex: '-1' }, `Comparer ${list.length} offres`);
    compareHolder.append(title, h('div', { class: 'table-wrap' }, table), h('div', { class: 'actions' }, close));
    title.focus();
    compareHolder.scrollIntoView({ block: 'start' });
  }

  function confirmStep(holder, question, yesText, onYes) {
    const previous = Array.from(holder.childNodes);
    clear(holder);
    const yes = h('button', { type: 'button', class: 'confirm-yes' }, yesText);
    const no = h('button', { type: 'button', class: 'secondary' }, 'Annuler');
    const box = h('div', { class: 'confirm', role: 'group', 'aria-label': 'Confirmation' }, h('p', null, question), h('div', { class: 'actions' }, yes, no));
    holder.append(box);
    yes.focus();
    no.addEventListener('click', () => { clear(holder).append(...previous); });
    yes.addEventListener('click', async () => {
      yes.disabled = true; no.disabled = true;
      try {
        await onYes();
      } catch (err) {
        yes.disabled = false; no.disabled = false;
        box.append(h('p', { class: 'banner error', role: 'alert' }, err.message));
        announce(`Erreur : ${err.message}`);
      }
    });
  }

  async function respond(p, accept, done) {
    await post(`/v1/proposals/${encodeURIComponent(p.id)}:respond`, { accept });
    announce(done);
    await loadProposals();
  }

  function actionsFor(p, awaitingOther) {
    const holder = h('div', { class: 'answer' });
    const title = p.offerTitle || (p.offer || {}).title || '';
    if (p.state === 'PROPOSAL_STATE_SENT' && !v.guardian) {
      const accept = h('button', { type: 'button', class: 'accept' }, 'Accepter');
      const decline = h('button', { type: 'button', class: 'secondary decline' }, 'Refuser');
      accept.addEventListener('click', () => confirmStep(holder,
        `Tu acceptes « ${title} » ?${minor ? ' Comme tu as moins de 18 ans, ton ou ta représentant·e légal·e devra ensuite confirmer.' : " L'entreprise verra alors ton nom et tes coordonnées."} Tes autres propositions seront ${minor ? 'remplacées une fois la confirmation donnée' : 'remplacées'}.`,
        "Oui, j'accepte", () => respond(p, true, minor ? 'Offre acceptée : ton représentant légal doit confirmer.' : 'Offre acceptée.')));
      decline.addEventListener('click', () => confirmStep(holder, `Tu refuses « ${title} » ? Tu ne pourras plus l'accepter ensuite.`,
        'Oui, je refuse', () => respond(p, false, 'Offre refusée.')));
      if (awaitingOther) {
        holder.append(h('p', { class: 'note' }, "Tu as déjà accepté une autre offre : attends la réponse de ton représentant légal avant d'en accepter une autre."),
          h('div', { class: 'actions' }, decline));
      } else holder.append(h('div', { class: 'actions' }, accept, decline));
    } else if (p.state === 'PROPOSAL_STATE_SENT' && v.guardian) {
      holder.append(h('p', { class: 'note' }, `${v.name} répond d'abord. Si ${v.name} accepte, vous pourrez confirmer ou refuser ici.`));
    } else if (p.state === 'PROPOSAL_STATE_AWAITING_GUARDIAN' && v.guardian) {
      const ok = h('button', { type: 'button', class: 'accept' }, 'Confirmer');
      const no = h('button', { type: 'button', class: 'secondary decline' }, 'Refuser');
      ok.addEventListener('click', () => confirmStep(holder,
        `Vous confirmez que ${v.name} accepte « ${title} » ? L'entreprise verra alors son nom et ses coordonnées, et ses autres propositions seront remplacées.`,
        'Oui, je confirme', () => respond(p, true, 'Acceptation confirmée.')));
      no.addEventListener('click', () => confirmStep(holder, `Vous refusez que ${v.name} accepte « ${title} » ? La proposition sera déclinée.`,
        'Oui, je refuse', () => respond(p, false, 'Proposition refusée.')));
      holder.append(h('p', { class: 'note' }, `${v.name} a accepté cette offre. Votre confirmation est nécessaire : l'entreprise ne voit pas encore son nom.`),
        h('div', { class: 'actions' }, ok, no));
    } else if (p.state === 'PROPOSAL_STATE_AWAITING_GUARDIAN') {
      holder.append(h('p', { class: 'note waiting' }, "Tu as accepté cette offre. Ton ou ta représentant·e légal·e doit maintenant confirmer ; d'ici là, l'entreprise ne voit pas ton nom."));
    } else if (p.state === 'PROPOSAL_STATE_ACCEPTED') {
      holder.append(h('p', { class: 'note ok' }, v.guardian ? `Offre acceptée : l'entreprise va contacter ${v.name}.` : "Offre acceptée : l'entreprise va te contacter. Bravo !"));
    }
    return holder;
  }

  function proposalCard(p, rank, awaitingOther) {
    const o = p.offer || {};
    const title = p.offerTitle || o.title || p.offerId;
    const li = h('li', { class: 'card proposal', dataset: { proposal: p.id, state: p.state } });
    const head = h('div', { class: 'card-head' },
      h('h3', null, rank ? h('span', { class: 'rank' }, `${rank}`) : null, title),
      badge(label(PROPOSAL_STATE, p.state), kind(PROPOSAL_STATE, p.state)));
    li.append(head, offerLine({ ...o, contractType: o.contractType || p.contractType }));
    if (p.state === 'PROPOSAL_STATE_SENT' || p.state === 'PROPOSAL_STATE_AWAITING_GUARDIAN') {
      const left = countdown(p.respondBy);
      const verb = v.guardian ? 'Réponse avant le' : 'Réponds avant le';
      li.append(h('p', { class: `deadline${left === "aujourd'hui" || left === 'demain' ? ' soon' : ''}` },
        `${verb} ${longDate(p.respondBy)}${left ? ` — ${left}` : ''}`));
    }
    if (p.message) li.append(h('blockquote', { class: 'message' }, h('span', { class: 'muted' }, "Le mot de l'entreprise : "), p.message));
    li.append(h('p', { class: 'why' }, v.guardian ? 'Pourquoi cette offre :' : 'Pourquoi elle te correspond :'), reasonList(reasons(p, g, v)));
    if ((p.exclusions || []).length && p.state !== 'PROPOSAL_STATE_ACCEPTED') li.append(h('p', { class: 'note warn' }, "Cette offre n'est plus possible aujourd'hui (par exemple, le poste a été pourvu)."));
    li.append(actionsFor(p, awaitingOther));
    if (proposals.length >= 2) {
      const id = `cmp-${p.id}`;
      const box = h('input', { type: 'checkbox', id, class: 'compare-check', checked: selected.has(p.id) });
      box.addEventListener('change', () => {
        if (box.checked) selected.add(p.id); else selected.delete(p.id);
        for (const other of propHolder.querySelectorAll('.compare-check')) other.disabled = !other.checked && selected.size >= 3;
        renderCompareBar();
      });
      box.disabled = !box.checked && selected.size >= 3;
      li.append(h('div', { class: 'compare-pick' }, box, h('label', { for: id }, 'Comparer')));
    }
    return li;
  }

  async function loadProposals() {
    const r = await get('/v1/proposals', { pageSize: 100, graduateId: current });
    const all = (r.proposals || []).slice().sort((a, b) => Number(b.score || 0) - Number(a.score || 0));
    const active = all.filter((p) => ACTIVE.includes(p.state));
    const past = all.filter((p) => !ACTIVE.includes(p.state));
    proposals = active;
    for (const id of [...selected]) if (!active.some((p) => p.id === id)) selected.delete(id);
    const awaiting = active.some((p) => p.state === 'PROPOSAL_STATE_AWAITING_GUARDIAN');
    clear(propHolder);
    if (!active.length) {
      propHolder.append(h('p', { class: 'empty' }, v.guardian ? `Aucune proposition en cours pour ${v.name}.` : "Pas encore de proposition. Dès qu'une entreprise t'en envoie une, elle apparaît ici."));
    } else {
      const ol = h('ol', { class: 'list-plain proposals' });
      active.forEach((p, i) => ol.append(proposalCard(p, i + 1, awaiting && p.state === 'PROPOSAL_STATE_SENT')));
      propHolder.append(ol);
    }
    if (past.length) {
      const ul = h('ul', { class: 'list-plain past' }, past.map((p) => h('li', { dataset: { proposal: p.id, state: p.state } },
        h('strong', null, p.offerTitle || (p.offer || {}).title || p.offerId), ' ', badge(label(PROPOSAL_STATE, p.state), kind(PROPOSAL_STATE, p.state)))));
      propHolder.append(h('details', { class: 'past-box' }, h('summary', null, `Propositions terminées (${past.length})`), ul));
    }
    renderCompareBar();
    if (!compareHolder.hidden && selected.size < 2) compareHolder.hidden = true;
    return all;
  }

  let myRequests = [];
  async function loadOthers(all) {
    const proposed = new Set(all.map((p) => p.offerId));
    const r = await get(`/v1/graduates/${encodeURIComponent(gid)}/rankedOffers`, { pageSize: 20 });
    const results = (r.results || []).filter((x) => x.offer && !proposed.has(x.offer.id)).slice(0, 10);
    clear(otherHolder);
    if (!results.length) { otherHolder.append(h('p', { class: 'empty' }, "Pas d'autre offre pour le moment.")); return; }
    const ul = h('ul', { class: 'list-plain others' });
    for (const ro of results) {
      const o = ro.offer;
      const titleId = uid('other');
      const asked = myRequests.find((r) => r.kind === PUT_FORWARD && r.offerId === o.id);
      ul.append(h('li', { class: 'card other-offer', dataset: { offer: o.id } },
        h('h3', { id: titleId }, o.title || o.id), offerLine(o),
        reasonList(reasons({ factors: ro.factors, offer: o, distanceKm: ro.distanceKm }, g, v)),
        putForward(o, titleId, v, asked, (r) => { myRequests = [r, ...myRequests]; requests.render(myRequests); })));
    }
    otherHolder.append(ul);
  }

  const fail = (holder) => (e) => { clear(holder).append(h('p', { class: 'banner error', role: 'alert' }, e.message)); return []; };
  const [all, mine] = await Promise.all([loadProposals().catch(fail(propHolder)),
    listRequests().catch((e) => { requests.fail(e); return null; })]);
  myRequests = mine || [];
  if (mine) requests.render(myRequests);
  await loadOthers(all || []).catch(fail(otherHolder));
}

export async function youngDataPage(ctx) {
  const { main, me } = ctx;
  const gid = youngOf(me, ctx.query);
  const [g, pick] = await Promise.all([get(`/v1/graduates/${encodeURIComponent(gid)}`), chooser(me, gid, '/mes-donnees')]);
  if (pick) { pick.querySelector('.chooser-current').textContent = g.givenName || gid; main.append(pick); }
  const guardian = me.role === 'ROLE_GUARDIAN';
  const requests = requestsSection(voice(me, g));
  main.classList.add('young');
  const dl = h('dl', { class: 'details' });
  const add = (k, val) => { if (val) dl.append(h('dt', null, k), h('dd', null, val)); };
  add('Nom', `${g.givenName || ''} ${g.familyName || ''}`.trim());
  const age = ageOn(g.birthDate);
  const born = day(g.birthDate);
  add('Date de naissance', born ? `${born.toLocaleDateString('fr-FR', { day: 'numeric', month: 'long', year: 'numeric' })}${age !== null ? ` (${age} ans)` : ''}` : '');
  add('Diplôme', g.diploma ? `${g.diploma.title || g.diploma.code || ''} — ${label(DIPLOMA_STATUS, g.diploma.status)}` : '');
  add(guardian ? 'Métiers recherchés' : 'Métiers que tu cherches', (g.romeCodes || []).map((c, i) => (i === 0 ? `${c} (en premier)` : c)).join(', '));
  add('Commune', g.home ? `${g.home.communeName || ''}${g.home.communeInsee ? ` (${g.home.communeInsee})` : ''}` : '');
  add('Distance maximale', g.maxDistanceKm ? `${g.maxDistanceKm} km` : '');
  add('Contrats acceptés', (g.acceptedContracts || []).map((c) => label(CONTRACT, c)).join(', '));
  add('Compétences', (g.skills || []).join(', '));
  add('Disponible le', g.availableFrom ? longDate(g.availableFrom) : '');
  add('Contact', [g.email, g.phone].filter(Boolean).join(' — '));

  const msg = h('div', { class: 'banner', role: 'status' });
  const button = h('button', { type: 'button', id: 'export-button' }, guardian ? 'Télécharger les données (JSON)' : 'Télécharger mes données (JSON)');
  const linkHolder = h('p', { id: 'export-link-holder' });
  let url = null;
  button.addEventListener('click', async () => {
    button.disabled = true;
    msg.textContent = '';
    msg.className = 'banner';
    try {
      const r = await get(`/v1/graduates/${encodeURIComponent(gid)}:export`);
      let text = r.json || '{}';
      try { text = JSON.stringify(JSON.parse(text), null, 2); } catch (e) { /* as sent */ }
      if (url) URL.revokeObjectURL(url);
      url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
      const name = `passerelle-donnees-${gid}.json`;
      const a = h('a', { href: url, download: name, id: 'export-link' }, `Enregistrer ${name}`);
      clear(linkHolder).append(a, h('span', { class: 'muted' }, ' (si le téléchargement ne démarre pas tout seul)'));
      a.click();
      msg.textContent = 'Fichier prêt.';
      msg.className = 'banner ok';
      announce('Le fichier de données est prêt.');
    } catch (err) {
      msg.textContent = err.message;
      msg.className = 'banner error';
      announce(`Erreur : ${err.message}`);
    } finally { button.disabled = false; }
  });
  main.append(h('h1', null, guardian ? `Les données ${ofName(g.givenName || '')}`.trim() : 'Mes données'),
    h('section', { class: 'card', 'aria-labelledby': 'data-record' },
      h('h2', { id: 'data-record' }, guardian ? "La fiche tenue par l'école" : 'Ta fiche'),
      h('p', { class: 'muted' }, guardian ? "L'école tient cette fiche à jour : pour corriger une information, demandez une correction plus bas." : "C'est ton école qui tient cette fiche : si quelque chose est faux, demande une correction plus bas."),
      dl),
    h('section', { class: 'card', 'aria-labelledby': 'data-export' },
      h('h2', { id: 'data-export' }, 'Tout télécharger'),
      h('p', null, guardian
        ? "Un fichier avec tout ce que Passerelle garde : la fiche, les propositions reçues et les réponses données, et les entreprises qui ont vu le nom."
        : "Un fichier avec tout ce que Passerelle garde sur toi : ta fiche, les propositions reçues et tes réponses, et les entreprises qui ont vu ton nom."),
      msg, h('div', { class: 'actions' }, button), linkHolder),
    seenBySection(gid, guardian),
    correctionForm(guardian, () => refresh()),
    requests);

  async function refresh() {
    try { requests.render(await listRequests()); } catch (e) { requests.fail(e); }
  }
  await refresh();
}

// The companies that saw the young person's name, and since when (from the
// export: they see a pseudonym until an acceptance is confirmed).
function seenBySection(gid, guardian) {
  const body = h('div', null, h('p', { class: 'muted' }, 'Chargement…'));
  const section = h('section', { class: 'card', id: 'seen-by', 'aria-labelledby': 'data-seen' },
    h('h2', { id: 'data-seen' }, guardian ? 'Les entreprises qui connaissent son nom' : 'Les entreprises qui connaissent ton nom'),
    body);
  (async () => {
    try {
      const doc = JSON.parse((await get(`/v1/graduates/${encodeURIComponent(gid)}:export`)).json || '{}');
      const seen = doc.nameSeenBy || [];
      clear(body);
      if (!seen.length) {
        body.append(h('p', null, guardian
          ? "Aucune. Les entreprises ne voient qu'un pseudonyme jusqu'à ce qu'une offre soit acceptée et que vous ayez confirmé."
          : "Aucune. Les entreprises ne voient qu'un pseudonyme jusqu'à ce que tu acceptes une offre (et, avant 18 ans, que ton représentant légal confirme)."));
        return;
      }
      body.append(h('ul', { class: 'list-plain' }, ...seen.map((x) => h('li', null,
        h('strong', null, x.companyName || x.companyId),
        ` — ${x.offerTitle || x.offerId}${x.since ? ` — depuis le ${longDate(x.since.slice(0, 10))}` : ''}`))));
    } catch (err) {
      clear(body).append(h('p', { class: 'muted' }, `Impossible de l'afficher : ${err.message}`));
    }
  })();
  return section;
}

// "Demander une correction" (GDPR article 16): a required message.
function correctionForm(guardian, onSent) {
  const message = field({
    label: 'Ce qui est faux, et la bonne information',
    name: 'request.message', type: 'textarea', required: true,
    hint: guardian ? "L'école reçoit votre demande et vous répond ici." : 'Ton école reçoit ta demande et te répond ici.',
  });
  message.control.setAttribute('maxlength', '2000');
  const msg = banner();
  const done = h('div', { class: 'banner', role: 'status', id: 'correction-status' });
  const send = h('button', { type: 'submit' }, 'Envoyer la demande');
  const form = h('form', { class: 'card correction-form', id: 'correction-form', novalidate: true, 'aria-labelledby': 'data-correction' },
    h('h2', { id: 'data-correction' }, 'Demander une correction'),
    h('p', null, guardian
      ? "Une information de la fiche est fausse ou n'est plus à jour ? Dites-le à l'école : elle la corrigera."
      : "Une information de ta fiche est fausse ou n'est plus à jour ? Dis-le à ton école : elle la corrigera."),
    msg, message, h('div', { class: 'actions' }, send), done);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    done.textContent = '';
    done.className = 'banner';
    const text = message.control.value.trim();
    if (!text) {
      showFieldError(message.control, guardian ? 'Écrivez ce qui est à corriger.' : 'Écris ce qui est à corriger.');
      message.control.focus();
      return;
    }
    send.disabled = true;
    try {
      await post('/v1/graduateRequests', { graduateId: current, kind: CORRECTION, message: text });
      message.control.value = '';
      const sent = guardian ? "Demande envoyée à l'école." : 'Demande envoyée à ton école.';
      done.textContent = sent;
      done.className = 'banner ok';
      announce(sent);
      onSent();
    } catch (err) {
      showError(form, err, msg);
    } finally { send.disabled = false; }
  });
  return form;
}
