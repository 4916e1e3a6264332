// DOM helpers. Text always goes in through text nodes (textContent), never
// through innerHTML: whatever the server sends shows as text.
import { FACTOR } from './labels.js';

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [key, value] of Object.entries(attrs)) {
      if (value === undefined || value === null || value === false) continue;
      if (key === 'class') el.className = value;
      else if (key === 'for') el.htmlFor = value;
      else if (key === 'text') el.textContent = value;
      else if (key === 'dataset') Object.assign(el.dataset, value);
      else if (key.startsWith('on') && typeof value === 'function') {
        el.addEventListener(key.slice(2), value);
      } else if (key === 'value' || key === 'checked' || key === 'selected') {
        el[key] = value;
      } else if (value === true) el.setAttribute(key, '');
      else el.setAttribute(key, String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

let idCounter = 0;
export function uid(prefix = 'id') {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}

// Polite status announcement (and a short visible toast).
let statusTimer = null;
export function announce(message) {
  const status = document.getElementById('status');
  if (!status) return;
  status.textContent = '';
  // A change of text is what screen readers announce.
  window.setTimeout(() => { status.textContent = message; }, 20);
  if (statusTimer) window.clearTimeout(statusTimer);
  statusTimer = window.setTimeout(() => { status.textContent = ''; }, 4000);
}

// A labelled form field. `name` is the proto field path the server names in
// its errors ("offer.start_date"); the control carries it as data-field.
export function field(opts) {
  const id = opts.id || uid('f');
  const errId = `${id}-error`;
  const hintId = opts.hint ? `${id}-hint` : null;
  let control;
  if (opts.control) {
    control = opts.control;
    control.id = id;
  } else if (opts.type === 'select') {
    control = h('select', { id, name: opts.name, required: opts.required });
    for (const [value, label] of opts.options) {
      control.append(h('option', { value, selected: value === opts.value }, label));
    }
  } else if (opts.type === 'textarea') {
    control = h('textarea', { id, name: opts.name, required: opts.required, rows: 4 });
    if (opts.value) control.value = opts.value;
  } else {
    control = h('input', {
      id, name: opts.name, type: opts.type || 'text', required: opts.required,
      autocomplete: opts.autocomplete || 'off', min: opts.min, max: opts.max,
      step: opts.step, minlength: opts.minlength, maxlength: opts.maxlength,
      inputmode: opts.inputmode, placeholder: opts.placeholder,
    });
    if (opts.type === 'checkbox') control.checked = !!opts.value;
    else if (opts.value !== undefined && opts.value !== null) control.value = String(opts.value);
  }
  if (opts.name) control.dataset.field = opts.name;
  const describedBy = [hintId].filter(Boolean);
  if (describedBy.length) control.setAttribute('aria-describedby', describedBy.join(' '));
  control.dataset.errorId = errId;
  control.dataset.hintId = hintId || '';
  const label = h('label', { for: id }, opts.label, opts.required ? h('span', { 'aria-hidden': 'true' }, ' *') : null);
  const wrapper = h('div', { class: opts.type === 'checkbox' ? 'field check' : 'field' });
  if (opts.type === 'checkbox') wrapper.append(opts.wrapperControl || control, label);
  else wrapper.append(label, opts.wrapperControl || control);
  if (opts.hint) wrapper.append(h('span', { id: hintId, class: 'hint' }, opts.hint));
  wrapper.append(h('span', { id: errId, class: 'field-error' }));
  wrapper.control = control;
  return wrapper;
}

export function banner(kind = 'error') {
  return h('div', { class: `banner ${kind}`, role: kind === 'error' ? 'alert' : 'status' });
}

export function clearErrors(form) {
  for (const el of form.querySelectorAll('[aria-invalid="true"]')) {
    el.removeAttribute('aria-invalid');
    el.setAttribute('aria-describedby', el.dataset.hintId || '');
    if (!el.dataset.hintId) el.removeAttribute('aria-describedby');
  }
  for (const el of form.querySelectorAll('.field-error')) el.textContent = '';
  for (const el of form.querySelectorAll('.banner.error')) el.textContent = '';
}

function normalizePath(path) {
  // "offer.start_date" / "offer.startDate" / "start_date[0]" -> "start_date"
  return String(path || '')
    .replace(/\[\d+\]/g, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

// Finds the control of `form` that the server's error field names: exact,
// else the longest data-field that the error path ends with (or that ends
// with it), so that "offer.place.commune_insee" finds "place.commune_insee".
export function controlFor(form, fieldPath) {
  if (!fieldPath) return null;
  const wanted = normalizePath(fieldPath);
  let best = null;
  let bestLen = -1;
  for (const el of form.querySelectorAll('[data-field]')) {
    const have = normalizePath(el.dataset.field);
    if (have === wanted) return el;
    const match = wanted.endsWith(`.${have}`) || have.endsWith(`.${wanted}`) ||
      wanted.startsWith(`${have}.`);
    if (match && have.length > bestLen) { best = el; bestLen = have.length; }
  }
  return best;
}

export function showFieldError(control, message) {
  const errId = control.dataset.errorId;
  const errEl = errId ? document.getElementById(errId) : null;
  if (errEl) errEl.textContent = message;
  control.setAttribute('aria-invalid', 'true');
  const ids = [control.dataset.hintId, errId].filter(Boolean);
  control.setAttribute('aria-describedby', ids.join(' '));
}

// Shows an API error next to its field (or in the form's banner).
export function showError(form, err, bannerEl) {
  const info = err && err.error ? err.error : null;
  const message = info ? info.message : String(err && err.message ? err.message : err);
  const control = info ? controlFor(form, info.field) : null;
  if (control) {
    // The field is named by where the message shows: drop its path prefix.
    const short = message.replace(/^[A-Za-z_][\w.[\]]*: /, '');
    showFieldError(control, short);
    control.focus();
    const lab = control.id ? document.querySelector(`label[for="${control.id}"]`) : null;
    const name = lab ? lab.textContent.replace(/\s*\*$/, '') : '';
    announce(name ? `Erreur, ${name} : ${short}` : `Erreur : ${short}`);
    return;
  } else {
    const b = bannerEl || form.querySelector('.banner');
    if (b) {
      b.textContent = message;
      b.className = 'banner error';
    }
  }
  announce(`Erreur : ${message}`);
}

export function formatDate(value) {
  if (!value) return '';
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(value);
  if (m && value.length === 10) return `${m[3]}/${m[2]}/${m[1]}`;
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return String(value);
  return d.toLocaleString('fr-FR', { dateStyle: 'short', timeStyle: 'short' });
}

export function formatNumber(value, digits = 0) {
  const n = Number(value || 0);
  return n.toLocaleString('fr-FR', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

export function formatPercent(value) {
  return `${(Number(value || 0) * 100).toLocaleString('fr-FR', { maximumFractionDigits: 1 })} %`;
}

export function isoDay(offsetDays = 0) {
  const d = new Date(Date.now() + offsetDays * 86400000);
  return d.toISOString().slice(0, 10);
}

// A table from rows; columns: [{label, cell: row => node|string, num}].
export function table(columns, rows, opts = {}) {
  const thead = h('thead', null, h('tr', null, columns.map((c) => h('th', { scope: 'col', class: c.num ? 'num' : null }, c.label))));
  const tbody = h('tbody');
  for (const row of rows) {
    const tr = h('tr');
    for (const c of columns) {
      const td = h('td', { class: c.num ? 'num' : null, 'data-label': c.label });
      const v = c.cell(row);
      append(td, [v]);
      tr.append(td);
    }
    tbody.append(tr);
  }
  const t = h('table', { class: 'responsive' }, opts.caption ? h('caption', null, opts.caption) : null, thead, tbody);
  // A table wider than the screen scrolls sideways: its frame takes the
  // keyboard focus (arrow keys scroll it) and is named after the caption.
  return h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': opts.caption || 'Tableau' }, t);
}

export function badge(text, kind) {
  return h('span', { class: `badge ${kind || ''}` }, text);
}

// The factors in a disclosure box (open or not), for long lists.
export function factorsBox(factors, open) {
  return h('details', { class: 'factors-box', open }, h('summary', null, `Facteurs du score (${(factors || []).length})`), factorsList(factors));
}

export function factorsList(factors) {
  const ul = h('ul', { class: 'factors' });
  for (const f of factors || []) {
    const meter = h('span');
    meter.style.width = `${Math.round(Math.max(0, Math.min(1, Number(f.value || 0))) * 100)}%`;
    const name = FACTOR[f.name] || f.name;
    ul.append(h('li', null,
      h('span', { class: 'name', title: f.name }, name),
      h('span', { class: 'meter', role: 'img', 'aria-label': `${name} : ${formatNumber(f.value, 2)} (poids ${formatNumber(f.weight, 2)})` }, meter),
      h('span', { class: 'detail muted' }, `${formatNumber(f.value, 2)} × ${formatNumber(f.weight, 2)}${f.detail ? ` — ${f.detail}` : ''}`)));
  }
  return ul;
}
