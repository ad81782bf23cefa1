// otel_traces.test.mjs - conformance test: the real OpenTelemetry JS SDK (sdk-trace-base's
// BasicTracerProvider) exports a small trace tree to llmops over OTLP/HTTP, once with the JSON
// exporter (@opentelemetry/exporter-trace-otlp-http) and once with the protobuf exporter
// (@opentelemetry/exporter-trace-otlp-proto, gzip-compressed), and the stored traces are read
// back through GET /api/v1/traces/{id}. The tree: an OpenInference AGENT root with input/output
// and a session, a GenAI chat span (client kind, error status, a gen_ai.user.message event) and
// an OpenInference LLM span with flattened input messages.
//
//   BASE_URL=http://127.0.0.1:PORT node --test --test-reporter=tap \
//     tests/conformance/otel_traces.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { context, trace, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';

const BASE_URL = process.env.BASE_URL;
if (!BASE_URL) {
  process.stderr.write('BASE_URL (the llmops server URL) must be set\n');
  process.exit(2);
}

// Wraps an exporter to keep every export's result (SimpleSpanProcessor only logs failures).
function recording(inner) {
  const results = [];
  return {
    results,
    export(spans, done) {
      inner.export(spans, (r) => {
        results.push(r);
        done(r);
      });
    },
    shutdown: () => inner.shutdown(),
    forceFlush: () => (inner.forceFlush ? inner.forceFlush() : Promise.resolve()),
  };
}

// Exports the tree through exporter; returns the trace id and the span ids.
async function exportTree(exporter, label) {
  const wrapped = recording(exporter);
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': `conformance-${label}`, 'service.version': '7.1.0' }),
    spanProcessors: [new SimpleSpanProcessor(wrapped)],
  });
  const tracer = provider.getTracer('llmops-conformance', '0.1.0');
  const t0 = Date.now();
  const root = tracer.startSpan('agent', {
    startTime: t0,
    attributes: {
      'openinference.span.kind': 'AGENT',
      'input.value': `question ${label}`,
      'output.value': 'answer',
      'session.id': `sess-${label}`,
      'user.id': 'conformance-user',
    },
  });
  const ctx = trace.setSpan(context.active(), root);
  const chat = tracer.startSpan(
    'chat gpt-4o-mini',
    {
      kind: SpanKind.CLIENT,
      startTime: t0 + 10,
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': 'gpt-4o-mini',
        'gen_ai.usage.input_tokens': 10,
        'gen_ai.usage.output_tokens': 4,
        'gen_ai.request.temperature': 0.5,
        'gen_ai.response.finish_reasons': ['stop'],
        'gen_ai.request.stream': false,
      },
    },
    ctx,
  );
  chat.addEvent('gen_ai.user.message', { content: 'hi there' }, t0 + 11);
  chat.setStatus({ code: SpanStatusCode.ERROR, message: 'upstream said no' });
  chat.end(t0 + 50);
  const llm = tracer.startSpan(
    'oi llm',
    {
      startTime: t0 + 60,
      attributes: {
        'openinference.span.kind': 'LLM',
        'llm.model_name': 'claude-haiku',
        'llm.provider': 'anthropic',
        'llm.token_count.prompt': 5,
        'llm.token_count.completion': 2,
        'llm.input_messages.0.message.role': 'user',
        'llm.input_messages.0.message.content': 'ping',
        'llm.output_messages.0.message.role': 'assistant',
        'llm.output_messages.0.message.content': 'pong',
      },
    },
    ctx,
  );
  llm.end(t0 + 90);
  root.end(t0 + 100);
  await provider.forceFlush();
  await provider.shutdown();
  assert.equal(wrapped.results.length, 3, 'one export per span');
  for (const r of wrapped.results) assert.equal(r.code, 0, `export failed: ${r.error}`);
  return {
    traceId: root.spanContext().traceId,
    root: root.spanContext().spanId,
    chat: chat.spanContext().spanId,
    llm: llm.spanContext().spanId,
    t0,
  };
}

async function getTrace(id) {
  const res = await fetch(`${BASE_URL}/api/v1/traces/${id}`);
  assert.equal(res.status, 200, `GET trace ${id}`);
  return res.json();
}

function checkTree(t, ids, label) {
  assert.equal(t.trace_id, ids.traceId);
  assert.equal(t.name, 'agent');
  assert.equal(t.input, `question ${label}`);
  assert.equal(t.output, 'answer');
  assert.equal(t.session_id, `sess-${label}`);
  assert.equal(t.user, 'conformance-user');
  assert.equal(t.status, 'error');
  assert.equal(t.model, 'gpt-4o-mini', 'the first model by start time');
  assert.equal(t.input_tokens, 15);
  assert.equal(t.output_tokens, 6);
  assert.equal(t.start_ms, ids.t0);
  assert.equal(t.end_ms, ids.t0 + 100);
  assert.equal(t.spans.length, 3);
  const byId = Object.fromEntries(t.spans.map((s) => [s.span_id, s]));
  const root = byId[ids.root];
  const chat = byId[ids.chat];
  const llm = byId[ids.llm];
  assert.equal(root.parent_span_id, null);
  assert.equal(root.kind, 'internal');
  assert.equal(chat.parent_span_id, ids.root);
  assert.equal(chat.kind, 'client');
  assert.equal(chat.status, 'error');
  assert.equal(chat.model, 'gpt-4o-mini');
  assert.equal(chat.input_tokens, 10);
  assert.equal(chat.output_tokens, 4);
  assert.equal(chat.end_ms - chat.start_ms, 40);
  assert.equal(chat.attributes['gen_ai.request.temperature'], 0.5);
  assert.deepEqual(chat.attributes['gen_ai.response.finish_reasons'], ['stop']);
  assert.equal(chat.attributes['gen_ai.request.stream'], false);
  assert.equal(chat.attributes['resource.service.name'], `conformance-${label}`);
  assert.equal(chat.attributes['resource.service.version'], '7.1.0');
  assert.equal(chat.attributes['otel.scope.name'], 'llmops-conformance');
  assert.equal(chat.events.length, 1);
  assert.equal(chat.events[0].name, 'gen_ai.user.message');
  assert.equal(chat.events[0].attributes.content, 'hi there');
  assert.equal(llm.parent_span_id, ids.root);
  assert.equal(llm.model, 'claude-haiku');
  assert.equal(llm.input_tokens, 5);
  assert.equal(llm.attributes['llm.input_messages.0.message.content'], 'ping');
}

test('OTLP/JSON exporter (exporter-trace-otlp-http) on /v1/traces', async () => {
  const ids = await exportTree(new JsonExporter({ url: `${BASE_URL}/v1/traces` }), 'json');
  checkTree(await getTrace(ids.traceId), ids, 'json');
});

test('OTLP/protobuf exporter (exporter-trace-otlp-proto), gzip, on the Langfuse OTel path', async () => {
  const exporter = new ProtoExporter({
    url: `${BASE_URL}/api/public/otel/v1/traces`,
    compression: 'gzip',
  });
  const ids = await exportTree(exporter, 'proto');
  checkTree(await getTrace(ids.traceId), ids, 'proto');
});

test('re-exporting the same spans changes nothing', async () => {
  const ids = await exportTree(new JsonExporter({ url: `${BASE_URL}/otlp/v1/traces` }), 'again');
  const before = await getTrace(ids.traceId);
  const res = await fetch(`${BASE_URL}/v1/traces`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      resourceSpans: [{ scopeSpans: [{ spans: [{
        traceId: ids.traceId, spanId: ids.chat, parentSpanId: ids.root, name: 'chat gpt-4o-mini',
        kind: 3, startTimeUnixNano: String(BigInt(ids.t0 + 10) * 1000000n),
        endTimeUnixNano: String(BigInt(ids.t0 + 50) * 1000000n),
      }] }] }],
    }),
  });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), {});
  const after = await getTrace(ids.traceId);
  assert.deepEqual(after, before);
});
