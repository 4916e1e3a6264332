// An organization's integrations (IntegrationService): webhook endpoints
// with their delivery log, and pull feeds (event subscriptions). For the
// persons administering a company, school or partner. A webhook secret
// shows once: when the endpoint is created and when it is renewed.
import { h, clear, field, banner, clearErrors, showError, announce, table, badge, formatDate, uid } from './dom.js';
import { del, get, post } from './api.js';
import { EVENT_TYPE, WEBHOOK_DELIVERY_STATE, WEBHOOK_ENDPOINT_STATE, eventTypeLabel, kind, label } from './labels.js';

const DELIVERY_PAGE_SIZE = 20;
// How long the previous secret keeps signing after a renewal, in hours
// (RotateWebhookSecretRequest.previous_valid_hours: at most 168).
const PREVIOUS_VALID = [['24', '24 heures (par défaut)'], ['1', '1 heure'], ['72', '3 jours'], ['168', '1 semaine (le maximum)']];
const DELIVERY_FILTER = [
  ['', 'Tous'],
  ['WEBHOOK_DELIVERY_STATE_PENDING', 'En attente'],
  ['WEBHOOK_DELIVERY_STATE_DELIVERED', 'Remis'],
  ['WEBHOOK_DELIVERY_STATE_FAILED', 'Abandonnés'],
];
const DISABLED = 'WEBHOOK_ENDPOINT_STATE_DISABLED';

const code = (text) => h('code', null, text);
const path = (id, suffix = '') => `/v1/webhookEndpoints/${encodeURIComponent(id)}${suffix}`;

export async function integrationsPage(ctx) {
  const page = h('div', { class: 'integrations' }, h('h1', null, 'Intégrations'));
  ctx.main.append(page);
  const follower = ctx.me.role === 'ROLE_SCHOOL' || ctx.me.role === 'ROLE_PARTNER';
  if (!ctx.me.organizationAdmin) {
    page.append(h('p', null, "Seul·es les administrateur·rices de l'organisation gèrent ses webhooks et flux d'événements."));
    if (follower) page.append(placementsExport());
    return;
  }
  const [endpoints, subscriptions] = await Promise.all([get('/v1/webhookEndpoints'), get('/v1/eventSubscriptions')]);
  page.append(help(), webhooks(endpoints.endpoints || []), feeds(subscriptions.subscriptions || []));
  if (follower) page.append(placementsExport());
}

// The school's or partner's proposals and placements as a file for its own
// records (ExportPlacements), France Travail's contract codes beside ours.
function placementsExport() {
  const msg = banner();
  const from = field({ label: 'Du', name: 'from', type: 'date', hint: 'Propositions envoyées ou répondues à partir de ce jour (facultatif).' });
  const to = field({ label: 'Au', name: 'to', type: 'date', hint: "… jusqu'à ce jour inclus (facultatif)." });
  const format = field({ label: 'Format', name: 'format', type: 'select', options: [['csv', 'CSV (tableur)'], ['json', 'JSON']] });
  const done = h('p', { class: 'muted', id: 'export-done' });
  const form = h('form', { class: 'card', novalidate: true, id: 'placements-export', 'aria-labelledby': 'h-export' },
    h('h2', { id: 'h-export' }, 'Exporter les propositions et placements'),
    h('p', null, "Pour vos propres dossiers : chaque proposition reçue par vos jeunes, son état, l'offre (code ROME, commune, début, durée hebdomadaire), le type de contrat avec les codes de France Travail, et l'employeur (SIRET, nom) une fois la proposition acceptée."),
    msg, from, to, format, h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Télécharger')), done);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    done.textContent = '';
    try {
      const r = await get('/v1/placements:export', { from: from.control.value, to: to.control.value, format: format.control.value });
      const blob = new Blob([r.content || ''], { type: r.contentType || 'text/csv' });
      const a = h('a', { href: URL.createObjectURL(blob), download: `placements.${format.control.value}` });
      document.body.append(a);
      a.click();
      a.remove();
      const text = `${r.rows || 0} ligne${r.rows === 1 ? '' : 's'} exportée${r.rows === 1 ? '' : 's'}.`;
      done.textContent = text;
      announce(text);
    } catch (err) { showError(form, err, msg); }
  });
  return form;
}

function help() {
  return h('section', { class: 'card', 'aria-labelledby': 'h-int-help' },
    h('h2', { id: 'h-int-help' }, 'Recevoir les événements dans votre système'),
    h('p', null, "Votre propre logiciel (recrutement, suivi des jeunes…) peut être tenu au courant de ce qui arrive à votre organisation dans Passerelle : propositions reçues, acceptées ou déclinées, offres pourvues, imports terminés… De deux façons :"),
    h('ul', null,
      h('li', null, h('strong', null, 'Webhooks : '),
        "Passerelle envoie chaque événement dès qu'il a lieu, en JSON, par une requête POST à l'adresse que vous indiquez. Chaque envoi est signé selon Standard Webhooks : en-têtes ",
        code('webhook-id'), ', ', code('webhook-timestamp'), ' et ', code('webhook-signature'),
        " (HMAC-SHA256 calculé avec le secret du point de réception). Un envoi en échec est retenté pendant 3 jours ; un point de réception en échec depuis 24 heures est désactivé."),
      h('li', null, h('strong', null, 'Flux à consulter : '),
        "si votre système ne peut pas recevoir d'appels, il lit lui-même les événements pas encore acquittés (",
        code('ListEvents'), ' : ', code('GET /v1/eventSubscriptions/{id}/events'),
        ') puis les acquitte une fois traités (', code('AckEvents'), ' : ', code('POST /v1/eventSubscriptions/{id}:ack'),
        "). Tant qu'ils ne sont pas acquittés, les mêmes événements reviennent.")),
    h('p', null, "Ces appels se font avec un jeton d'API de votre organisation. Le guide pour votre développeur ou développeuse est le fichier ",
      code('docs/integration.md'), ' de Passerelle.'));
}

// The event types to check; none checked: all of them (the server's rule
// for an empty event_types). `name` is the proto field its errors name.
function eventTypesFieldset(name, prefix, legend) {
  const errId = `${prefix}-types-error`;
  const hintId = `${prefix}-types-hint`;
  const boxes = Object.keys(EVENT_TYPE).map((type) => {
    const id = `${prefix}-type-${type.replace(/[^a-z]+/g, '-')}`;
    return h('label', { for: id }, h('input', { type: 'checkbox', id, value: type }),
      h('span', null, EVENT_TYPE[type], ' ', h('code', { class: 'event-code' }, `(${type})`)));
  });
  const first = boxes[0].querySelector('input');
  first.dataset.field = name;
  first.dataset.errorId = errId;
  const fieldset = h('fieldset', { class: 'event-types', 'aria-describedby': hintId },
    h('legend', null, legend),
    h('p', { id: hintId, class: 'hint' }, "Aucune case cochée : tous les événements de votre organisation, y compris ceux que Passerelle ajoutera."),
    h('div', { class: 'checks' }, boxes),
    h('span', { id: errId, class: 'field-error' }));
  fieldset.values = () => Array.from(fieldset.querySelectorAll('input:checked'), (i) => i.value);
  return fieldset;
}

function eventTypesList(types) {
  if (!types || !types.length) return "Tous les événements de l'organisation";
  return h('ul', { class: 'lines' }, types.map((t) => h('li', null, eventTypeLabel(t))));
}

// A secret shown once, copyable, with the warning that it will not be
// shown again; `box.input` is its field (to give it the focus).
function secretBox(secret, title, after) {
  const id = uid('secret');
  const warnId = `${id}-warning`;
  const input = h('input', {
    type: 'text', id, readonly: true, value: secret, class: 'secret', spellcheck: 'false', autocomplete: 'off', 'aria-describedby': warnId,
  });
  const copy = h('button', { type: 'button', class: 'secondary' }, 'Copier le secret');
  copy.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(secret);
    } catch (err) {
      input.select();
      document.execCommand('copy');
    }
    announce('Secret copié.');
  });
  const box = h('div', { class: 'banner warn secret-box' },
    h('p', { id: warnId }, h('strong', null, 'Ce secret ne sera plus jamais affiché.'),
      " Copiez-le maintenant dans la configuration de votre système : il sert à vérifier la signature des envois (en-tête webhook-signature). S'il est perdu, renouvelez-le."),
    h('label', { for: id }, title), input, h('div', { class: 'actions' }, copy),
    after ? h('p', null, after) : null);
  box.input = input;
  return box;
}

// ---- Webhook endpoints -----------------------------------------------------

function webhooks(initial) {
  const heading = h('h2', { id: 'h-webhooks', tabindex: '-1' }, 'Webhooks');
  const list = h('ul', { class: 'list-plain endpoints', id: 'webhook-endpoints' });
  const empty = h('p', { id: 'no-endpoints' }, 'Aucun point de réception pour le moment.');
  const refresh = () => { empty.hidden = list.children.length > 0; };
  const removed = () => {
    refresh();
    heading.focus();
    announce('Point de réception supprimé.');
  };
  for (const e of initial) list.append(endpointItem(e, removed));
  refresh();

  const msg = banner();
  const url = field({
    label: 'Adresse de réception (URL)', name: 'endpoint.url', type: 'url', required: true, inputmode: 'url',
    placeholder: 'https://…', hint: 'En https:// ; Passerelle y envoie une requête POST par événement.',
  });
  const types = eventTypesFieldset('endpoint.event_types', 'endpoint', 'Événements envoyés');
  const description = field({ label: 'Description', name: 'endpoint.description', maxlength: 200, hint: 'Facultative : à quoi sert ce point de réception (ex. « SI recrutement »).' });
  const form = h('form', { class: 'card', novalidate: true, id: 'endpoint-form', 'aria-labelledby': 'h-endpoint-form' },
    h('h3', { id: 'h-endpoint-form' }, 'Ajouter un point de réception'), msg, url, types, description,
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Ajouter')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const body = { url: url.control.value.trim(), eventTypes: types.values(), description: description.control.value.trim() };
    try {
      const created = await post('/v1/webhookEndpoints', body);
      const item = endpointItem({ ...created, secret: undefined }, removed);
      list.append(item);
      refresh();
      form.reset();
      const box = secretBox(created.secret, `Secret de signature de ${created.url}`);
      item.showSecret(box);
      announce('Point de réception ajouté. Copiez son secret : il ne sera plus affiché.');
    } catch (err) { showError(form, err, msg); }
  });
  return h('section', { 'aria-labelledby': 'h-webhooks' }, heading,
    h('p', null, "Les adresses de votre système où Passerelle envoie les événements, signés."), list, empty, form);
}

function endpointDetails(e) {
  const disabled = e.state === DISABLED;
  const alert = (disabled || e.failingSince) ? h('div', { class: `banner ${disabled ? 'error' : 'warn'} endpoint-alert` },
    h('p', null, h('strong', null, disabled ? 'Désactivé : plus rien ne lui est envoyé.' : 'Les envois vers cette adresse échouent.')),
    e.failingSince ? h('p', null, `En échec depuis le ${formatDate(e.failingSince)}.`) : null,
    e.disabledReason ? h('p', null, 'Raison : ', e.disabledReason) : null,
    disabled ? h('p', null, 'Les envois en attente patientent (3 jours au plus) : réactivez-le une fois votre système réparé.') : null) : null;
  const previous = e.previousSecretExpireTime && new Date(e.previousSecretExpireTime) > new Date()
    ? [h('dt', null, 'Ancien secret'), h('dd', null, `Signe encore jusqu'au ${formatDate(e.previousSecretExpireTime)}`)] : [];
  return [alert, h('dl', { class: 'details' },
    h('dt', null, 'État'), h('dd', null, badge(label(WEBHOOK_ENDPOINT_STATE, e.state), kind(WEBHOOK_ENDPOINT_STATE, e.state))),
    h('dt', null, 'Événements'), h('dd', null, eventTypesList(e.eventTypes)),
    e.description ? [h('dt', null, 'Description'), h('dd', null, e.description)] : [],
    h('dt', null, 'Créé le'), h('dd', null, formatDate(e.createTime)),
    previous,
    h('dt', null, 'Identifiant'), h('dd', null, code(e.id)))];
}

function endpointItem(initial, onDeleted) {
  let e = initial;
  const headId = uid('endpoint');
  const head = h('h3', { id: headId, tabindex: '-1', class: 'endpoint-url' }, e.url);
  const details = h('div');
  const actions = h('div', { class: 'actions' });
  const panel = h('div', { class: 'endpoint-panel' });
  const journal = h('div', { id: uid('journal'), class: 'journal', hidden: true });
  const li = h('li', { class: 'card endpoint', dataset: { endpoint: e.id } }, head, details, actions, panel, journal);
  let log = null;
  const button = (text, cls, onclick) => h('button', { type: 'button', class: cls, 'aria-describedby': headId, onclick }, text);

  function render() {
    clear(details).append(...endpointDetails(e).filter(Boolean));
    const logButton = button('Journal des envois', 'secondary journal-toggle', () => {
      const open = journal.hidden;
      journal.hidden = !open;
      logButton.setAttribute('aria-expanded', String(open));
      if (!open) return;
      if (!log) {
        log = deliveryLog(e);
        journal.append(log);
      }
      log.load(true);
    });
    logButton.setAttribute('aria-expanded', String(!journal.hidden));
    logButton.setAttribute('aria-controls', journal.id);
    const rotate = button('Renouveler le secret', 'secondary', () => confirmRotate(rotate));
    const enable = e.state === DISABLED ? button('Réactiver', null, doEnable) : null;
    const remove = button('Supprimer', 'danger', () => confirmDelete(remove));
    clear(actions).append(...[logButton, enable, rotate, remove].filter(Boolean));
  }

  async function doEnable() {
    try {
      e = await post(path(e.id, ':enable'), {});
      render();
      head.focus();
      announce('Point de réception réactivé : les envois en attente repartent.');
    } catch (err) {
      clear(panel).append(h('div', { class: 'banner error', role: 'alert' }, err.message));
    }
  }

  // An inline confirmation: a form whose question takes the focus (read
  // first; Tab then reaches its fields and buttons); "Annuler" gives the
  // focus back to the button.
  function confirmation(question, yesText, yesClass, from, fields, onYes) {
    const msg = banner();
    const qId = uid('q');
    const no = h('button', { type: 'button', class: 'secondary' }, 'Annuler');
    const yes = h('button', { type: 'submit', class: yesClass }, yesText);
    const q = h('p', { id: qId, tabindex: '-1' }, question);
    const form = h('form', { class: 'confirm', novalidate: true, 'aria-labelledby': qId }, msg,
      q, fields, h('div', { class: 'actions' }, yes, no));
    no.addEventListener('click', () => { clear(panel); from.focus(); });
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clearErrors(form);
      yes.disabled = true;
      try {
        await onYes(form);
      } catch (err) {
        yes.disabled = false;
        showError(form, err, msg);
      }
    });
    clear(panel).append(form);
    q.focus();
  }

  function confirmRotate(from) {
    const hours = field({
      label: "L'ancien secret reste valable", name: 'previous_valid_hours', type: 'select', options: PREVIOUS_VALID, value: '24',
      hint: "Pendant ce délai, chaque envoi porte deux signatures (ancien et nouveau secret) : le temps d'installer le nouveau dans votre système.",
    });
    confirmation(`Renouveler le secret de ${e.url} ? Un nouveau secret signera les envois.`, 'Renouveler le secret', null, from, hours, async () => {
      const rotated = await post(path(e.id, ':rotateSecret'), { previousValidHours: Number(hours.control.value) });
      e = { ...rotated, secret: undefined };
      render();
      const box = secretBox(rotated.secret, `Nouveau secret de signature de ${rotated.url}`,
        rotated.previousSecretExpireTime ? `L'ancien secret signe aussi les envois jusqu'au ${formatDate(rotated.previousSecretExpireTime)}.` : null);
      li.showSecret(box);
      announce('Secret renouvelé. Copiez le nouveau : il ne sera plus affiché.');
    });
  }

  function confirmDelete(from) {
    confirmation(`Supprimer le point de réception ${e.url} ? Plus rien ne lui sera envoyé, les envois en attente sont abandonnés et son journal est effacé.`,
      'Supprimer définitivement', 'danger', from, null, async () => {
        await del(path(e.id));
        li.remove();
        onDeleted();
      });
  }

  // The secret (just created or renewed) in place of any confirmation,
  // with the focus: a screen reader reads its label and the warning.
  li.showSecret = (box) => {
    clear(panel).append(box);
    box.input.focus();
    box.input.select();
  };
  render();
  return li;
}

// The delivery log of one endpoint, oldest first (the API's order), a page
// at a time, with a filter on the state.
function deliveryLog(endpoint) {
  const headId = uid('h-journal');
  const state = field({ label: 'État des envois', name: 'state', type: 'select', options: DELIVERY_FILTER, value: '' });
  const refresh = h('button', { type: 'button', class: 'secondary' }, 'Actualiser');
  const results = h('div', { class: 'journal-results' });
  const more = h('button', { type: 'button', class: 'secondary' }, 'Envois suivants');
  const box = h('div', { role: 'region', 'aria-labelledby': headId },
    h('h4', { id: headId }, `Journal des envois vers ${endpoint.url}`),
    h('div', { class: 'journal-filter' }, state, refresh), results);
  let token = '';
  let rows = [];
  let loading = 0;

  box.load = async (reset) => {
    const mine = ++loading;
    if (reset) { token = ''; rows = []; }
    let r;
    try {
      r = await get(path(endpoint.id, '/deliveries'), { state: state.control.value, pageSize: DELIVERY_PAGE_SIZE, pageToken: token });
    } catch (err) {
      if (mine !== loading) return;
      clear(results).append(h('div', { class: 'banner error', role: 'alert' }, err.message));
      return;
    }
    if (mine !== loading) return;
    const added = r.deliveries || [];
    rows.push(...added);
    token = r.nextPageToken || '';
    clear(results);
    if (!rows.length) {
      results.append(h('p', null, state.control.value ? 'Aucun envoi dans cet état.' : 'Aucun envoi pour le moment.'));
    } else {
      results.append(table([
        { label: 'Événement', cell: (d) => h('span', null, EVENT_TYPE[d.eventType] || '', ' ', h('code', { class: 'event-code' }, d.eventType)) },
        { label: 'Ressource', cell: (d) => code(d.resourceId || '—') },
        { label: 'État', cell: (d) => badge(label(WEBHOOK_DELIVERY_STATE, d.state), kind(WEBHOOK_DELIVERY_STATE, d.state)) },
        { label: 'Tentatives', num: true, cell: (d) => String(d.attempts || 0) },
        { label: 'Statut HTTP', num: true, cell: (d) => (d.lastStatusCode ? String(d.lastStatusCode) : '—') },
        { label: 'Dernière erreur', cell: (d) => d.lastError || '—' },
        { label: 'Dates', cell: deliveryDates },
      ], rows, { caption: `${rows.length} envoi${rows.length > 1 ? 's' : ''}${token ? ' (et d\'autres)' : ''}, du plus ancien au plus récent` }));
      if (token) results.append(h('div', { class: 'actions' }, more));
    }
    if (!reset) {
      // The new rows' first cell, or the table when none came.
      const first = results.querySelectorAll('tbody tr')[rows.length - added.length];
      const target = first ? first.querySelector('td') : results.querySelector('table');
      if (target) { target.setAttribute('tabindex', '-1'); target.focus(); }
    }
    announce(`${rows.length} envoi${rows.length > 1 ? 's' : ''} affiché${rows.length > 1 ? 's' : ''}${token ? ', d\'autres suivent' : ''}.`);
  };
  state.control.addEventListener('change', () => box.load(true));
  refresh.addEventListener('click', () => box.load(true));
  more.addEventListener('click', () => box.load(false));
  return box;
}

function deliveryDates(d) {
  const lines = [
    ['Créé', d.createTime], ['Dernière tentative', d.lastAttemptTime],
    ['Prochaine tentative', d.state === 'WEBHOOK_DELIVERY_STATE_PENDING' ? d.nextAttemptTime : null], ['Remis', d.deliverTime],
  ].filter(([, t]) => t);
  return h('ul', { class: 'lines' }, lines.map(([what, t]) => h('li', null, `${what} : ${formatDate(t)}`)));
}

// ---- Pull feeds ----------------------------------------------------------------

function feeds(initial) {
  const holder = h('div', { id: 'event-subscriptions' });
  const confirmBox = h('div');
  let current = initial;
  // Deleting a feed: asked once more below the table, its events lost.
  const askDelete = (s, from) => {
    const msg = banner();
    const qId = uid('q');
    const q = h('p', { id: qId, tabindex: '-1' }, `Supprimer le flux ${s.description || s.id} ? Votre système n'en recevra plus rien, et ses événements non acquittés sont effacés.`);
    const yes = h('button', { type: 'submit', class: 'danger' }, 'Supprimer définitivement');
    const no = h('button', { type: 'button', class: 'secondary' }, 'Annuler');
    const form = h('form', { class: 'confirm', novalidate: true, 'aria-labelledby': qId }, msg, q, h('div', { class: 'actions' }, yes, no));
    no.addEventListener('click', () => { clear(confirmBox); from.focus(); });
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      yes.disabled = true;
      try {
        await del(`/v1/eventSubscriptions/${encodeURIComponent(s.id)}`);
        clear(confirmBox);
        render(current.filter((x) => x.id !== s.id));
        announce('Flux supprimé.');
      } catch (err) {
        yes.disabled = false;
        showError(form, err, msg);
      }
    });
    clear(confirmBox).append(form);
    q.focus();
  };
  const render = (subs) => {
    current = subs;
    clear(holder);
    if (!subs.length) { holder.append(h('p', null, 'Aucun flux pour le moment.')); return; }
    holder.append(table([
      { label: 'Description', cell: (s) => s.description || '—' },
      { label: 'Événements', cell: (s) => eventTypesList(s.eventTypes) },
      { label: 'Identifiant', cell: (s) => code(s.id) },
      { label: 'Acquittés jusqu\'à la séquence', num: true, cell: (s) => (s.ackedSequence && s.ackedSequence !== '0' ? String(s.ackedSequence) : 'aucune') },
      { label: 'Créé le', cell: (s) => formatDate(s.createTime) },
      {
        label: 'Action',
        cell: (s) => {
          const b = h('button', { type: 'button', class: 'secondary', dataset: { subscription: s.id } }, 'Supprimer');
          b.setAttribute('aria-label', `Supprimer le flux ${s.description || s.id}`);
          b.addEventListener('click', () => askDelete(s, b));
          return b;
        },
      },
    ], subs, { caption: `${subs.length} flux` }));
  };
  render(initial);

  const msg = banner();
  const types = eventTypesFieldset('subscription.event_types', 'subscription', 'Événements du flux');
  const description = field({ label: 'Description', name: 'subscription.description', maxlength: 200, hint: 'Facultative (ex. « export nocturne »).' });
  const result = h('div');
  const form = h('form', { class: 'card', novalidate: true, id: 'subscription-form', 'aria-labelledby': 'h-subscription-form' },
    h('h3', { id: 'h-subscription-form' }, 'Créer un flux'), msg, types, description,
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Créer le flux')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    clear(result);
    try {
      const created = await post('/v1/eventSubscriptions', { eventTypes: types.values(), description: description.control.value.trim() });
      form.reset();
      const listed = await get('/v1/eventSubscriptions');
      render(listed.subscriptions || []);
      const note = h('div', { class: 'banner ok', tabindex: '-1', id: 'subscription-created' },
        h('p', null, 'Flux créé, identifiant ', code(created.id), '. Votre système lit ses événements par ',
          code(`GET /v1/eventSubscriptions/${created.id}/events`), ' et les acquitte par ',
          code(`POST /v1/eventSubscriptions/${created.id}:ack`), '. Il reçoit les événements survenus depuis sa création.'));
      result.append(note);
      note.focus();
      announce('Flux créé.');
    } catch (err) { showError(form, err, msg); }
  });
  return h('section', { 'aria-labelledby': 'h-feeds' },
    h('h2', { id: 'h-feeds' }, "Flux d'événements à consulter"),
    h('p', null, "Pour un système qui ne peut pas recevoir d'appels : Passerelle garde les événements de chaque flux jusqu'à ce que votre système les acquitte."),
    holder, confirmBox, result, form);
}
