// The /v1 HTTP/JSON API with the session cookie: every non-GET request
// carries the CSRF token (readable cookie psl_csrf) in X-CSRF-Token.

export class ApiError extends Error {
  constructor(status, body) {
    const info = body && body.error ? body.error : { code: status, message: `HTTP ${status}` };
    super(info.message || `HTTP ${status}`);
    this.status = status;
    this.error = info;
  }
}

export function cookie(name) {
  for (const part of document.cookie.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return '';
}

export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v === undefined || v === null || v === '') continue;
    if (Array.isArray(v)) v.forEach((item) => q.append(k, item));
    else q.append(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

export async function api(method, path, body, opts = {}) {
  const headers = { Accept: 'application/json' };
  const init = { method, headers, credentials: 'same-origin' };
  if (method !== 'GET' && method !== 'HEAD') {
    headers['X-CSRF-Token'] = cookie('psl_csrf');
    if (opts.raw !== undefined) {
      headers['Content-Type'] = opts.contentType || 'application/x-ndjson';
      init.body = opts.raw;
    } else {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body === undefined ? {} : body);
    }
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, { error: { code: 0, status: 'UNAVAILABLE', message: 'Le serveur est injoignable.' } });
  }
  let data = null;
  const text = await res.text();
  if (text) {
    try { data = JSON.parse(text); } catch (e) { data = null; }
  }
  if (!res.ok) {
    if (!data || !data.error) {
      data = { error: { code: res.status, status: String(res.status), message: `Erreur HTTP ${res.status}` } };
    }
    throw new ApiError(res.status, data);
  }
  return data || {};
}

export const get = (path, params) => api('GET', path + query(params));
export const post = (path, body) => api('POST', path, body);
export const patch = (path, body) => api('PATCH', path, body);
// DELETE carries no body (the gateway refuses one on a route without).
export const del = (path) => api('DELETE', path, undefined, { raw: '', contentType: 'application/json' });
