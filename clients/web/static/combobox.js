// An ARIA 1.2 combobox (editable, list autocomplete) over an async source.
// When the source route is missing (404/501: an older server), it
// degrades to a plain text input in which the code is typed.
import { h, uid, field } from './dom.js';
import { get, ApiError } from './api.js';

export function combobox(opts) {
  const id = opts.id || uid('cb');
  const listId = `${id}-list`;
  const input = h('input', {
    type: 'text', role: 'combobox', 'aria-autocomplete': 'list', 'aria-expanded': 'false',
    'aria-controls': listId, autocomplete: 'off', name: opts.name, required: opts.required,
    placeholder: opts.placeholder, spellcheck: 'false',
  });
  const list = h('ul', { id: listId, role: 'listbox', hidden: true, 'aria-label': opts.label });
  const wrap = h('div', { class: 'combobox' }, input, list);
  const f = field({ ...opts, id, control: input, wrapperControl: wrap });
  let options = [];
  let active = -1;
  let timer = null;
  let seq = 0;
  let degraded = false;

  if (opts.value) {
    input.value = opts.display || opts.value;
    input.dataset.code = opts.value;
  }

  function close() {
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
  }
  function setActive(i) {
    const items = list.querySelectorAll('[role="option"]');
    items.forEach((li, j) => li.setAttribute('aria-selected', j === i ? 'true' : 'false'));
    active = i;
    if (i >= 0 && items[i]) {
      input.setAttribute('aria-activedescendant', items[i].id);
      items[i].scrollIntoView({ block: 'nearest' });
    } else input.removeAttribute('aria-activedescendant');
  }
  function choose(i) {
    const o = options[i];
    if (!o) return;
    input.value = o.label;
    input.dataset.code = o.value;
    close();
    input.dispatchEvent(new Event('change', { bubbles: true }));
    if (opts.onChoose) opts.onChoose(o);
  }
  function render() {
    while (list.firstChild) list.removeChild(list.firstChild);
    options.forEach((o, i) => {
      const li = h('li', { id: `${listId}-${i}`, role: 'option', 'aria-selected': 'false', dataset: { value: o.value } }, o.label);
      li.addEventListener('mousedown', (e) => { e.preventDefault(); choose(i); });
      list.append(li);
    });
    if (options.length) {
      list.hidden = false;
      input.setAttribute('aria-expanded', 'true');
    } else close();
  }
  async function lookup() {
    const q = input.value.trim();
    const mine = ++seq;
    if (q.length < (opts.minLength || 2) || degraded) { options = []; render(); return; }
    let found;
    try {
      found = await opts.source(q);
    } catch (e) {
      found = [];
    }
    if (mine !== seq) return;
    if (found === null) {
      degraded = true;
      const hint = f.querySelector('.hint');
      if (hint && opts.degradedHint) hint.textContent = opts.degradedHint;
      found = [];
    }
    options = found;
    render();
  }
  input.addEventListener('input', () => {
    delete input.dataset.code;
    if (timer) window.clearTimeout(timer);
    timer = window.setTimeout(lookup, 120);
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      if (list.hidden && options.length) { list.hidden = false; input.setAttribute('aria-expanded', 'true'); }
      setActive(Math.min(options.length - 1, active + 1));
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      setActive(Math.max(0, active - 1));
    } else if (e.key === 'Enter' && !list.hidden && active >= 0) {
      e.preventDefault();
      choose(active);
    } else if (e.key === 'Escape' && !list.hidden) {
      e.preventDefault();
      close();
    }
  });
  input.addEventListener('blur', () => window.setTimeout(close, 150));

  // The code to send: the chosen option's, else what was typed (its first
  // word when it looks like a code: "62765 Saint-Omer").
  input.comboValue = () => {
    if (input.dataset.code) return input.dataset.code;
    const raw = input.value.trim();
    const m = /^([0-9][0-9AB][0-9]{3}|[A-Za-z][0-9]{4})\b/.exec(raw);
    return m ? m[1].toUpperCase() : raw;
  };
  return f;
}

async function optional(path, params) {
  try {
    return await get(path, params);
  } catch (e) {
    if (e instanceof ApiError && (e.status === 404 || e.status === 501 || e.status === 405)) return null;
    throw e;
  }
}

export async function communeSource(q) {
  const r = await optional('/v1/communes', { query: q, pageSize: 10 });
  if (r === null) return null;
  return (r.communes || []).map((c) => ({
    value: c.insee,
    label: `${c.name} (${(c.postalCodes && c.postalCodes[0]) || c.departement || ''}) — ${c.insee}`,
  }));
}

export async function tradeSource(q) {
  const r = await optional('/v1/trades', { query: q, pageSize: 10 });
  if (r === null) return null;
  return (r.trades || []).map((t) => ({
    value: t.romeCode,
    label: `${t.appellation || t.romeTitle} — ${t.romeCode}${t.appellation && t.romeTitle && t.appellation !== t.romeTitle ? ` (${t.romeTitle})` : ''}`,
  }));
}

export function communeField(opts) {
  return combobox({
    hint: 'Tapez le début du nom, le code postal ou le code INSEE, puis choisissez dans la liste.',
    degradedHint: 'Saisissez le code INSEE de la commune (5 caractères, ex. 62765).',
    placeholder: 'ex. Saint-Omer',
    ...opts,
    source: communeSource,
  });
}

export function tradeField(opts) {
  return combobox({
    hint: 'Tapez un métier (ex. soudeur) puis choisissez dans la liste.',
    degradedHint: 'Saisissez le code ROME du métier (ex. H2913).',
    placeholder: 'ex. soudeur',
    ...opts,
    source: tradeSource,
  });
}
