// api.js - every call from the UI to the server goes through here.
//
// api(method, path, body) sends JSON and resolves to the parsed JSON answer, or throws an
// ApiError carrying the status and the server's message: llmops' own {"error":{code,message,
// field}} and MLflow's {"error_code","message"} are both understood, so pages can show the real
// reason instead of "request failed". A key saved in localStorage is sent as a Bearer token;
// a 401 asks the user for one (components.js shows the dialog) and retries once.

const KEY_STORAGE = 'llmops.apiKey';

export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

export function apiKey() {
  try {
    return localStorage.getItem(KEY_STORAGE) || '';
  } catch {
    return '';
  }
}

export function setApiKey(key) {
  if (key) localStorage.setItem(KEY_STORAGE, key);
  else localStorage.removeItem(KEY_STORAGE);
}

// The key dialog registers itself here; api() awaits it on a 401 (resolves to the new key or
// '' when the user cancels).
let askForKey = null;
export function onKeyRequired(fn) {
  askForKey = fn;
}

// Turn whatever the server answered into an ApiError.
function toError(status, text) {
  let body = null;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON: fall through to the status line */
  }
  if (body && body.error && typeof body.error === 'object')
    return new ApiError(status, body.error.code || '', body.error.message || text, body.error.field);
  if (body && body.error_code)
    return new ApiError(status, body.error_code, body.message || body.error_code);
  if (body && body.error && typeof body.error === 'string')
    return new ApiError(status, body.error, body.message || body.error);
  return new ApiError(status, 'http_' + status, `HTTP ${status}${text ? ': ' + text.slice(0, 300) : ''}`);
}

// Query string from an object; arrays become repeated keys, empty values are left out.
export function qs(params) {
  const parts = [];
  for (const [k, v] of Object.entries(params || {})) {
    if (v === undefined || v === null || v === '') continue;
    for (const item of Array.isArray(v) ? v : [v])
      parts.push(encodeURIComponent(k) + '=' + encodeURIComponent(item));
  }
  return parts.length ? '?' + parts.join('&') : '';
}

// raw: resolve to the Response itself (headers wanted, e.g. the gateway's cost headers).
export async function request(method, path, body, { headers = {}, raw = false, retried = false } = {}) {
  const h = { Accept: 'application/json', ...headers };
  const key = apiKey();
  if (key && !h.Authorization) h.Authorization = 'Bearer ' + key;
  const init = { method, headers: h };
  if (body !== undefined) {
    h['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, 'network', `cannot reach the server (${e.message})`);
  }
  if (res.status === 401 && !retried && !headers.Authorization && askForKey) {
    const newKey = await askForKey();
    if (newKey) return request(method, path, body, { headers, raw, retried: true });
  }
  const text = await res.text();
  if (!res.ok) throw toError(res.status, text);
  if (raw) return { response: res, body: text ? JSON.parse(text) : null };
  return text ? JSON.parse(text) : null;
}

export const api = {
  get: (path, params) => request('GET', path + qs(params)),
  post: (path, body) => request('POST', path, body || {}),
  put: (path, body) => request('PUT', path, body || {}),
  patch: (path, body) => request('PATCH', path, body || {}),
  del: (path) => request('DELETE', path),
};

// MLflow tracking API base.
export const MLFLOW = '/api/2.0/mlflow';
