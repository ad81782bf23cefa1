// langfuse.test.mjs - conformance test: the official Langfuse JS SDK (npm `langfuse` v3) sends a
// trace with a span, a generation with usage, an event and scores to llmops' Langfuse-compatible
// ingestion (POST /api/public/ingestion), exactly as an application would after changing its
// host. The SDK reports any event the server rejects (a 207 with errors) as a warning or error,
// which fails the test. The ids it used are written to RESULT for the C driver
// (tests/integration/test_langfuse_api.c) to check the stored rows.
//
//   BASE_URL=http://127.0.0.1:PORT RESULT=/tmp/out node --test --test-reporter=tap \
//     tests/conformance/langfuse.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { Langfuse } from 'langfuse';

const BASE_URL = process.env.BASE_URL;
const RESULT = process.env.RESULT;
if (!BASE_URL || !RESULT) {
  process.stderr.write('BASE_URL (the llmops server) and RESULT (a file to write) must be set\n');
  process.exit(2);
}

test('the Langfuse SDK ingests a trace, observations and scores', async () => {
  const langfuse = new Langfuse({
    publicKey: 'pk-lf-conformance',
    secretKey: 'sk-lf-conformance',
    baseUrl: BASE_URL,
    flushAt: 100,
    requestTimeout: 10000,
  });
  const problems = [];
  langfuse.on('error', (e) => problems.push(`error: ${e}`));
  langfuse.on('warning', (e) => problems.push(`warning: ${e}`));
  let flushed = 0;
  langfuse.on('flush', (items) => { flushed += items.length; });

  const trace = langfuse.trace({
    name: 'sdk-trace',
    userId: 'sdk-user',
    sessionId: 'sdk-session',
    input: { question: 'What is 2+2?' },
    tags: ['conformance'],
    metadata: { suite: 'llmops' },
  });
  const span = trace.span({ name: 'plan', input: { step: 1 } });
  const generation = span.generation({
    name: 'llm-call',
    model: 'gpt-4o-mini',
    modelParameters: { temperature: 0.1 },
    input: [{ role: 'user', content: 'What is 2+2?' }],
  });
  generation.end({ output: { role: 'assistant', content: '4' }, usage: { input: 21, output: 8 } });
  span.event({ id: 'sdk-event', name: 'cache-miss', metadata: { key: 'q1' } });
  span.end({ output: 'planned' });
  trace.update({ output: '4' });
  trace.score({ name: 'accuracy', value: 0.75, comment: 'close enough' });
  langfuse.score({ traceId: trace.id, name: 'tone', value: 'friendly', dataType: 'CATEGORICAL' });

  await langfuse.flushAsync();
  await langfuse.shutdownAsync();
  assert.deepEqual(problems, []);
  // trace, span, generation (create + update), event, span update, trace update, two scores
  assert.equal(flushed, 9);
  writeFileSync(RESULT, `${trace.id} ${generation.id}\n`);
});
