// router.js - hash routing, so every object has a URL to paste: #/runs/ID, #/experiments/1/runs?
// filter=..., #/prompts/NAME?diff=1..2. A route is a pattern with :params; the query after '?'
// in the hash is parsed too. Pages change the query with setQuery (history entry per change).
import { useEffect, useState } from 'preact/hooks';

export function parseHash(hash = location.hash) {
  const h = hash.replace(/^#/, '') || '/';
  const q = h.indexOf('?');
  const path = q >= 0 ? h.slice(0, q) : h;
  const query = Object.fromEntries(new URLSearchParams(q >= 0 ? h.slice(q + 1) : ''));
  return { path, query };
}

// Link target for a path and a query object (empty values dropped).
export function href(path, query) {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query || {})) if (v !== undefined && v !== null && v !== '') params.set(k, v);
  const s = params.toString();
  return '#' + path + (s ? '?' + s : '');
}

export function navigate(path, query) {
  location.hash = href(path, query).slice(1);
}

// Merge into the current query (null removes a key) and navigate.
export function setQuery(changes) {
  const { path, query } = parseHash();
  const next = { ...query };
  for (const [k, v] of Object.entries(changes)) {
    if (v === null || v === undefined || v === '') delete next[k];
    else next[k] = v;
  }
  navigate(path, next);
}

// Match path against the routes [[pattern, Component], ...]; params decoded.
export function match(routes, path) {
  const segs = path.split('/').filter(Boolean);
  for (const [pattern, component] of routes) {
    const ps = pattern.split('/').filter(Boolean);
    if (ps.length !== segs.length) continue;
    const params = {};
    let ok = true;
    for (let i = 0; i < ps.length && ok; i++) {
      if (ps[i].startsWith(':')) params[ps[i].slice(1)] = decodeURIComponent(segs[i]);
      else ok = ps[i] === segs[i];
    }
    if (ok) return { component, params };
  }
  return null;
}

export function useRoute() {
  const [route, setRoute] = useState(parseHash());
  useEffect(() => {
    const onChange = () => setRoute(parseHash());
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

// Path segment encoding for names with spaces or slashes.
export const enc = encodeURIComponent;
