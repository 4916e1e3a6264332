// Placement statistics: figures, SVG charts built with DOM APIs, CSV download.
import { h, clear, field, announce, table, formatNumber, formatPercent } from './dom.js';
import { get, ApiError } from './api.js';
import { CONTRACT, label } from './labels.js';

const SVG = 'http://www.w3.org/2000/svg';
function s(tag, attrs, text) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

// Charts are drawn at the width they show at (up to 640 px), so that
// their text keeps its size on a phone.
function chartWidth() {
  const main = document.getElementById('main');
  const style = main ? window.getComputedStyle(main) : null;
  const inner = main ? main.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) : 640;
  return Math.round(Math.max(300, Math.min(640, inner - 2)));
}

// Vertical bars: items [{label, value}].
export function columnChart(title, items, { format = (v) => formatNumber(v), xLabel = '', yLabel = '' } = {}) {
  const width = chartWidth();
  const height = 260;
  const m = { top: 28, right: 12, bottom: 46, left: 48 };
  let max = Math.max(1, ...items.map((i) => Number(i.value) || 0));
  if (items.every((i) => Number.isInteger(Number(i.value) || 0))) max = Math.max(4, Math.ceil(max / 4) * 4);
  const svg = s('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart', role: 'img' });
  const titleId = `chart-${Math.random().toString(36).slice(2)}`;
  svg.setAttribute('aria-labelledby', titleId);
  svg.append(s('title', { id: titleId }, `${title} : ${items.map((i) => `${i.label} ${format(i.value)}`).join(', ')}`));
  svg.append(s('text', { x: 8, y: 18, 'font-weight': 600 }, title));
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  for (let t = 0; t <= 4; t += 1) {
    const y = m.top + plotH - (plotH * t) / 4;
    svg.append(s('line', { x1: m.left, x2: width - m.right, y1: y, y2: y, class: 'grid' }));
    svg.append(s('text', { x: m.left - 6, y: y + 4, 'text-anchor': 'end' }, format((max * t) / 4)));
  }
  const bw = plotW / Math.max(1, items.length);
  items.forEach((it, i) => {
    const v = Number(it.value) || 0;
    const bh = (plotH * v) / max;
    const x = m.left + i * bw + bw * 0.15;
    const bar = s('rect', { x, y: m.top + plotH - bh, width: Math.max(1, bw * 0.7), height: Math.max(0, bh), class: 'bar' });
    bar.append(s('title', {}, `${it.label} : ${format(v)}`));
    svg.append(bar);
    if (items.length <= 24) {
      svg.append(s('text', { x: x + bw * 0.35, y: m.top + plotH + 16, 'text-anchor': 'middle' }, String(it.label).slice(0, 14)));
    }
  });
  svg.append(s('line', { x1: m.left, x2: width - m.right, y1: m.top + plotH, y2: m.top + plotH, class: 'axis' }));
  if (xLabel) svg.append(s('text', { x: m.left + plotW / 2, y: height - 8, 'text-anchor': 'middle', class: 'muted' }, xLabel));
  if (yLabel) svg.append(s('text', { x: 12, y: m.top + plotH / 2, transform: `rotate(-90 12 ${m.top + plotH / 2})`, 'text-anchor': 'middle' }, yLabel));
  return svg;
}

// Horizontal bars, for named groups: items [{label, value}].
export function barChart(title, items, { format = (v) => formatNumber(v), max: fixedMax } = {}) {
  const rowH = 26;
  const width = chartWidth();
  const left = Math.min(210, Math.round(width * 0.38));
  const right = 56;
  const height = 36 + items.length * rowH + 10;
  const max = fixedMax || Math.max(1, ...items.map((i) => Number(i.value) || 0));
  const svg = s('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart', role: 'img' });
  const titleId = `chart-${Math.random().toString(36).slice(2)}`;
  svg.setAttribute('aria-labelledby', titleId);
  svg.append(s('title', { id: titleId }, `${title} : ${items.map((i) => `${i.label} ${format(i.value)}`).join(', ')}`));
  svg.append(s('text', { x: 8, y: 20, 'font-weight': 600 }, title));
  items.forEach((it, i) => {
    const y = 36 + i * rowH;
    const v = Number(it.value) || 0;
    const w = ((width - left - right) * v) / max;
    const name = String(it.label);
    const room = Math.floor((left - 12) / 6.6);
    svg.append(s('text', { x: left - 8, y: y + 15, 'text-anchor': 'end' }, name.length > room ? `${name.slice(0, room - 1)}…` : name));
    const bar = s('rect', { x: left, y: y + 3, width: Math.max(1, w), height: rowH - 8, class: 'bar alt' });
    bar.append(s('title', {}, `${name} : ${format(v)}`));
    svg.append(bar);
    svg.append(s('text', { x: left + w + 6, y: y + 15 }, format(v)));
  });
  return svg;
}

const REGIONS = {
  '01': 'Guadeloupe', '02': 'Martinique', '03': 'Guyane', '04': 'La Réunion', '06': 'Mayotte',
  11: 'Île-de-France', 24: 'Centre-Val de Loire', 27: 'Bourgogne-Franche-Comté', 28: 'Normandie',
  32: 'Hauts-de-France', 44: 'Grand Est', 52: 'Pays de la Loire', 53: 'Bretagne', 75: 'Nouvelle-Aquitaine',
  76: 'Occitanie', 84: 'Auvergne-Rhône-Alpes', 93: "Provence-Alpes-Côte d'Azur", 94: 'Corse',
};

// Names for group keys: the server may give a label; else schools' and
// partners' names (when the caller may list them), régions by INSEE code.
async function groupNames(groupBy) {
  const names = new Map();
  const list = async (path, key) => {
    try {
      const r = await get(path, { pageSize: 1000 });
      for (const o of r[key] || []) names.set(o.id, o.name);
    } catch (e) { /* not listable by this caller: keys are shown */ }
  };
  if (groupBy.endsWith('_SCHOOL')) await list('/v1/schools', 'schools');
  if (groupBy.endsWith('_PARTNER')) await list('/v1/partners', 'partners');
  return names;
}

function groupLabel(groupBy, names, gr) {
  if (gr.label) return gr.label;
  const key = gr.key || '';
  if (groupBy.endsWith('_REGION')) return REGIONS[key] ? `${REGIONS[key]} (${key})` : `Région ${key || 'inconnue'}`;
  if (groupBy.endsWith('_DEPARTEMENT')) return key ? `Département ${key}` : 'Département inconnu';
  if (groupBy.endsWith('_PARTNER') && !key) return 'Sans partenaire';
  return names.get(key) || key || '—';
}

function csvCell(v) {
  let t = String(v ?? '');
  // A name starting like a formula (=, +, -, @) would run as one in a
  // spreadsheet (CSV injection): kept as text.
  if (/^[=+\-@\t\r]/.test(t) && !/^-?\d/.test(t)) t = `'${t}`;
  return /[",;\n]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
}

function statsRow(key, name, st) {
  return [key, name, st.graduates || 0, st.seeking || 0, st.placed || 0, st.withdrawn || 0,
    Number(st.placementRate || 0).toFixed(4), Number(st.meanOffersReceived || 0).toFixed(2),
    Number(st.medianDaysToPlacement || 0).toFixed(1), st.proposals || 0, st.proposalsPending || 0,
    (st.offersReceivedHistogram || []).join('|')];
}

const GROUPS = {
  ROLE_ADMIN: [['', 'Aucun regroupement'], ['PLACEMENT_STATS_GROUP_BY_SCHOOL', 'Par école'], ['PLACEMENT_STATS_GROUP_BY_PARTNER', 'Par partenaire'],
    ['PLACEMENT_STATS_GROUP_BY_DEPARTEMENT', 'Par département'], ['PLACEMENT_STATS_GROUP_BY_REGION', 'Par région']],
  other: [['', 'Aucun regroupement'], ['PLACEMENT_STATS_GROUP_BY_DEPARTEMENT', 'Par département'], ['PLACEMENT_STATS_GROUP_BY_REGION', 'Par région']],
};

export async function statsPage(ctx) {
  const { main, me } = ctx;
  const scope = {};
  if (me.role === 'ROLE_SCHOOL') scope.schoolId = me.organizationId;
  if (me.role === 'ROLE_PARTNER') scope.partnerId = me.organizationId;
  const groupOpts = GROUPS[me.role] || GROUPS.other;
  const initial = ctx.query.get('groupBy') || (me.role === 'ROLE_ADMIN' ? 'PLACEMENT_STATS_GROUP_BY_SCHOOL' : '');
  const groupBy = field({ label: 'Regrouper', name: 'group_by', type: 'select', options: groupOpts, value: initial });
  const download = h('button', { type: 'button', class: 'secondary', id: 'stats-csv' }, 'Télécharger en CSV');
  const body = h('div', { id: 'stats-body' }, h('p', { class: 'muted' }, 'Chargement…'));
  main.append(h('h1', null, 'Statistiques de placement'),
    h('div', { class: 'card' }, h('div', { class: 'grid2' }, groupBy, h('div', { class: 'actions' }, download))), body);
  let current = null;

  async function load() {
    const g = groupBy.control.value;
    let st;
    let note = '';
    try {
      st = await get('/v1/placementStats', { ...scope, groupBy: g || undefined });
    } catch (e) {
      if (g && e instanceof ApiError && e.status === 400) {
        st = await get('/v1/placementStats', scope);
        note = `Regroupement indisponible sur ce serveur (${e.message}).`;
      } else throw e;
    }
    const names = g ? await groupNames(g) : new Map();
    for (const gr of st.groups || []) { gr.label = groupLabel(g, names, gr); gr.stats = gr.stats || {}; }
    current = st;
    render(st, note);
  }

  function render(st, note) {
    clear(body);
    if (note) body.append(h('p', { class: 'banner info' }, note));
    const fig = h('dl', { class: 'figures', id: 'stats-figures' });
    const add = (k, v, id) => fig.append(h('div', null, h('dt', null, k), h('dd', { id }, v)));
    add('Jeunes', formatNumber(st.graduates), 'stat-graduates');
    add('En recherche', formatNumber(st.seeking), 'stat-seeking');
    add('Placé·es', formatNumber(st.placed), 'stat-placed');
    add('Taux de placement', formatPercent(st.placementRate), 'stat-rate');
    add('Propositions reçues / jeune', formatNumber(st.meanOffersReceived, 2), 'stat-mean');
    add('Délai médian de placement', `${formatNumber(st.medianDaysToPlacement, 1)} j`, 'stat-days');
    add('Propositions en attente', formatNumber(st.proposalsPending), 'stat-pending');
    body.append(h('h2', null, 'Vue d’ensemble'), fig);

    const hist = (st.offersReceivedHistogram || []).map((n, i, arr) => ({ label: i === arr.length - 1 && arr.length > 1 ? `${i}+` : String(i), value: Number(n) }));
    body.append(h('h2', null, 'Propositions reçues par jeune'));
    if (hist.length) body.append(columnChart('Jeunes par nombre de propositions reçues', hist, { xLabel: 'propositions reçues', yLabel: 'jeunes' }));
    else body.append(h('p', null, 'Pas encore de données.'));

    const contracts = (st.byContract || []).map((c) => ({ label: label(CONTRACT, c.contractType), value: Number(c.placed || 0) }));
    if (contracts.length) {
      body.append(h('h2', null, 'Placements par type de contrat'), barChart('Jeunes placé·es par contrat', contracts));
    }

    const groups = st.groups || [];
    if (groups.length) {
      const name = (gr) => gr.label || gr.key;
      body.append(h('h2', null, 'Par regroupement'),
        barChart('Taux de placement', groups.map((gr) => ({ label: name(gr), value: Number(gr.stats.placementRate || 0) })), { format: formatPercent, max: 1 }),
        barChart('Délai médian de placement (jours)', groups.map((gr) => ({ label: name(gr), value: Number(gr.stats.medianDaysToPlacement || 0) })), { format: (v) => formatNumber(v, 1) }),
        barChart('Propositions reçues par jeune (moyenne)', groups.map((gr) => ({ label: name(gr), value: Number(gr.stats.meanOffersReceived || 0) })), { format: (v) => formatNumber(v, 2) }),
        table([
          { label: 'Groupe', cell: (gr) => name(gr) },
          { label: 'Jeunes', num: true, cell: (gr) => formatNumber(gr.stats.graduates) },
          { label: 'Placé·es', num: true, cell: (gr) => formatNumber(gr.stats.placed) },
          { label: 'Taux', num: true, cell: (gr) => formatPercent(gr.stats.placementRate) },
          { label: 'Propositions / jeune', num: true, cell: (gr) => formatNumber(gr.stats.meanOffersReceived, 2) },
          { label: 'Délai médian (j)', num: true, cell: (gr) => formatNumber(gr.stats.medianDaysToPlacement, 1) },
        ], groups, { caption: 'Détail par groupe' }));
    }
  }

  download.addEventListener('click', () => {
    if (!current) return;
    const header = ['cle', 'libelle', 'jeunes', 'en_recherche', 'places', 'sortis', 'taux_placement', 'propositions_par_jeune', 'delai_median_jours', 'propositions', 'propositions_en_attente', 'histogramme_propositions'];
    const lines = [header, statsRow('total', 'Ensemble', current)];
    for (const gr of current.groups || []) lines.push(statsRow(gr.key, gr.label, gr.stats || {}));
    const csv = `\ufeff${lines.map((l) => l.map(csvCell).join(',')).join('\r\n')}\r\n`;
    const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv;charset=utf-8' }));
    const a = h('a', { href: url, download: `statistiques-placement-${new Date().toISOString().slice(0, 10)}.csv` });
    document.body.append(a);
    a.click();
    a.remove();
    window.setTimeout(() => URL.revokeObjectURL(url), 10000);
    announce('Fichier CSV téléchargé.');
  });
  groupBy.control.addEventListener('change', () => {
    const q = groupBy.control.value ? `?groupBy=${groupBy.control.value}` : '';
    history.replaceState({}, '', `/statistiques${q}`);
    load().catch((e) => { clear(body).append(h('p', { class: 'banner error', role: 'alert' }, e.message)); });
  });
  await load();
}
