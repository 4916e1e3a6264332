// CSV of graduates, as passerelle-cli reads it: a header row of field paths
// of passerelle.v1.Graduate (proto names or JSON names, dotted for nested
// fields: external_id, given_name, home.commune_insee, diploma.code, ...),
// repeated fields with items separated by '|', enums by full or short name
// ("apprenticeship", "CONTRACT_TYPE_CDI"), booleans as true/false, 1/0,
// oui/non, yes/no, vrai/faux. Converted to proto3 JSON in the browser.

// RFC 4180 with the delimiter guessed from the header (',' ';' or tab).
export function parseCsv(text) {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const firstLine = text.split(/\r?\n/, 1)[0] || '';
  const counts = [',', ';', '\t'].map((d) => [d, firstLine.split(d).length]);
  counts.sort((a, b) => b[1] - a[1]);
  const delim = counts[0][1] > 1 ? counts[0][0] : ',';
  const rows = [];
  let row = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  let error = '';
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') { cell += '"'; i += 1; } else quoted = false;
      } else {
        if (ch === '\n') line += 1;
        cell += ch;
      }
    } else if (ch === '"' && cell === '') quoted = true;
    else if (ch === delim) { row.push(cell); cell = ''; }
    else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i += 1;
      row.push(cell);
      rows.push({ line: rowLine, cells: row, error });
      row = []; cell = ''; error = '';
      line += 1;
      rowLine = line;
    } else cell += ch;
  }
  if (quoted) error = 'guillemet non fermé';
  if (cell !== '' || row.length) { row.push(cell); rows.push({ line: rowLine, cells: row, error }); }
  return rows.filter((r) => r.error || r.cells.some((c) => c.trim() !== ''));
}

const ENUMS = {
  accepted_contracts: 'CONTRACT_TYPE_',
  status: 'GRADUATE_STATUS_',
  'diploma.status': 'DIPLOMA_STATUS_',
  work_authorisations: 'WORK_AUTHORISATION_',
};
const REPEATED = new Set(['rome_codes', 'skills', 'accepted_contracts', 'work_authorisations']);
const INTS = new Set(['max_distance_km', 'diploma.level']);
const NUMBERS = new Set(['home.latitude', 'home.longitude']);
const BOOLS = new Set(['driving_licence', 'completed_college']);
const MESSAGES = new Set(['attestations', 'driving_licences']);
const KNOWN = new Set([
  'id', 'school_id', 'partner_id', 'external_id', 'given_name', 'family_name', 'birth_date',
  'diploma.code', 'diploma.title', 'diploma.level', 'diploma.status', 'diploma.obtained_on',
  'rome_codes', 'skills', 'home.commune_insee', 'home.postal_code', 'home.commune_name',
  'home.latitude', 'home.longitude', 'home.departement_code', 'home.region_code',
  'max_distance_km', 'driving_licence', 'accepted_contracts', 'available_from', 'status',
  'email', 'phone', 'completed_college', 'work_authorisations', 'attestations', 'driving_licences',
]);
const SHORT_ENUM = { cdi: 'CDI', cdd: 'CDD', apprentissage: 'APPRENTICESHIP', professionnalisation: 'PROFESSIONALISATION' };

function snake(segment) {
  return segment.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}
function camel(segment) {
  return segment.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
}

// The canonical path of a header cell, or throws.
export function columnPath(name) {
  const path = name.trim().split('.').map(snake).join('.');
  if (!KNOWN.has(path)) throw new Error(`colonne « ${name.trim()} » : ce n'est pas un champ de passerelle.v1.Graduate`);
  return path;
}

function parseBool(text) {
  const t = text.trim().toLowerCase();
  if (['true', '1', 'oui', 'yes', 'vrai'].includes(t)) return true;
  if (['false', '0', 'non', 'no', 'faux'].includes(t)) return false;
  throw new Error(`« ${text} » n'est pas un booléen (oui/non, true/false, 1/0)`);
}

function parseEnum(prefix, text) {
  let t = text.trim().toUpperCase().replace(/-/g, '_');
  if (SHORT_ENUM[text.trim().toLowerCase()]) t = SHORT_ENUM[text.trim().toLowerCase()];
  if (/^\d+$/.test(t)) return Number(t);
  return t.startsWith(prefix) ? t : prefix + t;
}

function convert(path, text) {
  const leaf = path;
  if (ENUMS[leaf]) return parseEnum(ENUMS[leaf], text);
  if (BOOLS.has(leaf)) return parseBool(text);
  if (INTS.has(leaf)) {
    const t = text.trim();
    if (!/^-?\d+$/.test(t)) throw new Error(`« ${text} » n'est pas un nombre entier`);
    return Number(t);
  }
  if (NUMBERS.has(leaf)) {
    const n = Number(text.trim().replace(',', '.'));
    if (Number.isNaN(n)) throw new Error(`« ${text} » n'est pas un nombre`);
    return n;
  }
  if (MESSAGES.has(leaf)) {
    try { return JSON.parse(text); } catch (e) { throw new Error(`« ${text} » n'est pas du JSON`); }
  }
  return text.trim();
}

function setPath(obj, path, value) {
  const parts = path.split('.').map(camel);
  let o = obj;
  for (let i = 0; i + 1 < parts.length; i += 1) {
    if (!o[parts[i]]) o[parts[i]] = {};
    o = o[parts[i]];
  }
  o[parts[parts.length - 1]] = value;
}

// {header: [...], rows: [{line, externalId, graduate?, errors: [{field, message}]}]}
export function graduatesFromCsv(text) {
  const records = parseCsv(text);
  if (!records.length) throw new Error('fichier vide : une ligne d\'en-tête est attendue');
  const header = records[0].cells;
  const paths = header.map((name, i) => {
    if (!name.trim()) throw new Error(`en-tête, colonne ${i + 1} : nom de colonne vide`);
    return columnPath(name);
  });
  const seen = new Map();
  paths.forEach((p, i) => {
    if (seen.has(p)) throw new Error(`en-tête, colonne ${i + 1} (${header[i]}) : même champ que la colonne ${seen.get(p) + 1}`);
    seen.set(p, i);
  });
  const idCol = paths.indexOf('external_id');
  const rows = records.slice(1).map((r) => {
    const out = { line: r.line, externalId: idCol >= 0 ? (r.cells[idCol] || '').trim() : '', errors: [] };
    if (r.error) { out.errors.push({ field: '', message: r.error }); return out; }
    if (r.cells.length !== paths.length) {
      out.errors.push({ field: '', message: `la ligne a ${r.cells.length} cellules, l'en-tête en a ${paths.length}` });
      return out;
    }
    const g = {};
    r.cells.forEach((cell, i) => {
      if (!cell.trim()) return;
      const p = paths[i];
      try {
        if (REPEATED.has(p)) {
          setPath(g, p, cell.split('|').map((x) => x.trim()).filter(Boolean).map((x) => convert(p, x)));
        } else setPath(g, p, convert(p, cell));
      } catch (e) {
        out.errors.push({ field: header[i].trim(), message: e.message });
      }
    });
    if (!out.errors.length) out.graduate = g;
    return out;
  });
  return { header, rows };
}
