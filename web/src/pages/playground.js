// playground.js - render a prompt version with variables (POST /api/v1/prompts/NAME/render) and
// send it through the gateway (POST /v1/chat/completions) to an endpoint or a registered model
// reference; shows the answer, tokens, latency and cost (the cost is read from the call's
// trace, named by the X-Llmops-Trace-Id header, once the trace writer has stored it).
import { useState, useEffect } from 'preact/hooks';
import { html } from '../html.js';
import { api, request, ApiError } from '../api.js';
import { href, setQuery, enc } from '../router.js';
import { ErrorBanner, Empty, useApi, fmtNum } from '../components.js';

const GATEWAY_KEY = 'llmops.gatewayKey';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The trace is written off the request path (flushed every ~100 ms): ask a few times.
async function traceOf(id) {
  for (let i = 0; i < 20; i++) {
    try {
      return await api.get('/api/v1/traces/' + id);
    } catch (e) {
      if (!(e instanceof ApiError) || e.status !== 404) throw e;
    }
    await sleep(250);
  }
  return null;
}

function toMessages(rendered) {
  if (rendered.type === 'chat') return rendered.messages;
  return [{ role: 'user', content: rendered.text }];
}

export function PlaygroundPage({ query }) {
  const name = query.prompt || '';
  const ref = query.version ? { version: Number(query.version) } : query.alias ? { alias: query.alias } : {};
  const [promptName, setPromptName] = useState(name);
  const [refText, setRefText] = useState(query.version || (query.alias ? '@' + query.alias : ''));
  const [vars, setVars] = useState({});
  const [model, setModel] = useState(query.model || '');
  const [key, setKey] = useState(() => localStorage.getItem(GATEWAY_KEY) || '');
  const [rendered, setRendered] = useState(null);
  const [answer, setAnswer] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => setPromptName(name), [name]);
  const version = useApi(async () => {
    if (!name) return null;
    if (ref.version) return api.get('/api/v1/prompts/' + enc(name) + '/versions/' + ref.version);
    if (ref.alias) return api.get('/api/v1/prompts/' + enc(name) + '/aliases/' + enc(ref.alias)).then((a) => api.get('/api/v1/prompts/' + enc(name) + '/versions/' + a.version));
    const p = await api.get('/api/v1/prompts/' + enc(name));
    return api.get('/api/v1/prompts/' + enc(name) + '/versions/' + p.latest_version);
  }, [name, query.version, query.alias]);
  const endpoints = useApi(() => api.get('/api/v1/endpoints').catch(() => ({ endpoints: [] })), []);

  const choose = (e) => {
    e.preventDefault();
    const r = refText.trim();
    setQuery({ prompt: promptName.trim(), version: /^\d+$/.test(r) ? r : null, alias: r.startsWith('@') ? r.slice(1) : null });
  };

  const render = async () => {
    const v = version.data;
    const body = { version: v.version, variables: vars };
    const r = await api.post('/api/v1/prompts/' + enc(name) + '/render', body);
    setRendered(r);
    return r;
  };

  const run = async (send) => {
    setError(null);
    setAnswer(null);
    setBusy(true);
    try {
      const r = await render();
      if (!send) return;
      if (!model) throw new ApiError(0, 'model', 'name an endpoint or a model reference (name@alias) to send to');
      localStorage.setItem(GATEWAY_KEY, key);
      const params = { ...(r.model_config || {}) };
      delete params.model;
      const started = performance.now();
      const { response, body } = await request('POST', '/v1/chat/completions', { ...params, model, messages: toMessages(r) },
        { raw: true, headers: key ? { Authorization: 'Bearer ' + key } : {} });
      const latency = performance.now() - started;
      const traceId = response.headers.get('x-llmops-trace-id');
      const result = { body, latency, traceId, trace: null, cache: response.headers.get('x-llmops-cache') };
      setAnswer(result);
      if (traceId) {
        const trace = await traceOf(traceId);
        setAnswer({ ...result, trace });
      }
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const v = version.data;
  const usage = answer && answer.body && answer.body.usage;
  const text = answer && answer.body && answer.body.choices && answer.body.choices[0] && answer.body.choices[0].message
    ? answer.body.choices[0].message.content : '';
  return html`<section>
    <h1>Playground</h1>
    <form class="row" onSubmit=${choose}>
      <label>Prompt <input value=${promptName} onInput=${(e) => setPromptName(e.target.value)} placeholder="support" /></label>
      <label>Version or @alias <input value=${refText} onInput=${(e) => setRefText(e.target.value)} placeholder="latest" size="10" /></label>
      <button type="submit">Load</button>
    </form>
    ${!name ? html`<${Empty} title="Pick a prompt"><p>Type a prompt name above, or open one from <a href="#/prompts">Prompts</a> and follow “Try it in the playground”.</p><//>` : ''}
    <${ErrorBanner} error=${version.error} />
    ${v ? html`
      <p><a href=${href('/prompts/' + enc(name), { version: v.version })}>${name} v${v.version}</a> <span class="muted">${v.type}</span></p>
      <fieldset class="card"><legend>Variables</legend>
        ${v.variables.length ? v.variables.map((x) => html`<label class="var">${x}
          <textarea rows="2" name=${x} value=${vars[x] || ''} onInput=${(e) => setVars({ ...vars, [x]: e.target.value })}></textarea></label>`)
          : html`<p class="muted">This version has no variables.</p>`}
      </fieldset>
      <div class="row" style="margin:10px 0">
        <label>Endpoint or model <input list="endpoints" value=${model} onInput=${(e) => setModel(e.target.value)} placeholder="chat  or  support-bot@production" /></label>
        <datalist id="endpoints">${(endpoints.data ? endpoints.data.endpoints : []).map((ep) => html`<option value=${ep.name} />`)}</datalist>
        <label>Gateway key <input type="password" value=${key} onInput=${(e) => setKey(e.target.value)} placeholder="llmops-… (if required)" autocomplete="off" /></label>
        <button onClick=${() => run(false)} disabled=${busy}>Render</button>
        <button class="primary" onClick=${() => run(true)} disabled=${busy}>Send</button>
      </div>` : ''}
    <${ErrorBanner} error=${error} />
    ${rendered ? html`<h2>Rendered</h2><div class="messages" aria-label="rendered">${toMessages(rendered).map((m) => html`<div class="message"><span class="badge">${m.role}</span><pre>${m.content}</pre></div>`)}</div>` : ''}
    ${answer ? html`<h2>Answer</h2>
      <div class="card answer" aria-label="answer"><pre>${text}</pre></div>
      <dl class="kv" aria-label="call">
        <dt>Tokens</dt><dd>${usage ? `${usage.prompt_tokens} in, ${usage.completion_tokens} out` : '—'}</dd>
        <dt>Latency</dt><dd>${fmtNum(Math.round(answer.latency))} ms in the browser${answer.trace && answer.trace.latency_ms != null ? `, ${fmtNum(answer.trace.latency_ms)} ms at the gateway` : ''}</dd>
        <dt>Cost</dt><dd>${answer.trace ? (answer.trace.cost_usd == null ? 'unknown (no price for this model: llmops prices set …)' : '$' + fmtNum(answer.trace.cost_usd)) : answer.traceId ? 'waiting for the trace…' : '—'}</dd>
        <dt>Trace</dt><dd>${answer.traceId ? html`<a class="mono" href=${href('/traces/' + answer.traceId)}>${answer.traceId}</a>` : '—'}${answer.cache ? html` <span class="badge">cache ${answer.cache}</span>` : ''}</dd>
      </dl>` : ''}
  </section>`;
}
