// openai_gateway.test.mjs - conformance test: drives an OpenAI-compatible server (the llmops
// gateway, or the fake provider itself) with the official `openai` npm SDK (v5) and checks what
// the SDK makes of the answers. The upstream behind the gateway must be the fake provider
// (tests/fake_provider), whose answers are predictable: "echo: " + the last user message.
//
//   BASE_URL=http://127.0.0.1:PORT/v1 MODEL=fake TARGET=fake \
//     node --test --test-reporter=tap tests/conformance/openai_gateway.test.mjs
//
// Environment:
//   BASE_URL     the server's OpenAI base URL (ending in /v1)                       (required)
//   MODEL        a model answered by the fake with no directives                    (required)
//   KEY          the API key to send; when set, a wrong key must give 401 (default: "none")
//   TARGET       "fake" when BASE_URL is the fake provider itself: the llmops-only checks
//                (X-Llmops-Trace-Id header, unknown model 404, bad key 401) are skipped
//   MODEL_TOOL   a model for which the fake answers with tool_call=get_weather
//                (default MODEL + "?tool_call=get_weather")
//   MODEL_429    a model for which the upstream answers 429 (default "fake?status=429")
//   MODEL_EMBED  a model for embeddings (default MODEL)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';

const BASE_URL = process.env.BASE_URL;
const MODEL = process.env.MODEL;
if (!BASE_URL || !MODEL) {
  process.stderr.write('BASE_URL (the server /v1 URL) and MODEL must be set\n');
  process.exit(2);
}
const KEY = process.env.KEY || '';
const IS_FAKE = process.env.TARGET === 'fake';
const MODEL_TOOL = process.env.MODEL_TOOL || `${MODEL}?tool_call=get_weather`;
const MODEL_429 = process.env.MODEL_429 || 'fake?status=429';
const MODEL_EMBED = process.env.MODEL_EMBED || MODEL;
const llmopsOnly = IS_FAKE ? 'TARGET=fake: llmops-only check' : false;

// No retries: a 429 or 5xx must reach the test as the error the SDK raises for it.
const client = new OpenAI({ baseURL: BASE_URL, apiKey: KEY || 'none', maxRetries: 0 });
const user = (text) => [{ role: 'user', content: text }];
const words = (s) => s.split(/\s+/).filter(Boolean).length;

function checkTraceId(response) {
  if (IS_FAKE) return;
  const id = response.headers.get('x-llmops-trace-id');
  assert.ok(id && id.length > 0, 'X-Llmops-Trace-Id header missing');
}

async function expectError(promise, ErrorClass, status) {
  await assert.rejects(promise, (err) => {
    assert.ok(err instanceof ErrorClass, `expected ${ErrorClass.name}, got ${err.constructor.name}: ${err.message}`);
    assert.equal(err.status, status);
    assert.ok(err.error && typeof err.error === 'object', 'error body in OpenAI format');
    assert.equal(typeof err.error.message, 'string');
    return true;
  });
}

test('chat non-stream: answer text and usage', async () => {
  const { data, response } = await client.chat.completions
    .create({ model: MODEL, messages: user('hello conformance world') })
    .withResponse();
  assert.equal(response.status, 200);
  checkTraceId(response);
  assert.equal(data.object, 'chat.completion');
  assert.equal(data.choices.length, 1);
  assert.equal(data.choices[0].message.role, 'assistant');
  assert.equal(data.choices[0].message.content, 'echo: hello conformance world');
  assert.equal(data.choices[0].finish_reason, 'stop');
  assert.equal(data.usage.prompt_tokens, 3);
  assert.equal(data.usage.completion_tokens, 4);
  assert.equal(data.usage.total_tokens, 7);
});

async function collectStream(params) {
  const { data: stream, response } = await client.chat.completions
    .create({ ...params, stream: true })
    .withResponse();
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  return { chunks, response };
}

test('chat stream: chunks reassemble to the non-stream text, no usage chunk by default', async () => {
  const messages = user('stream me three words');
  const full = await client.chat.completions.create({ model: MODEL, messages });
  const { chunks, response } = await collectStream({ model: MODEL, messages });
  checkTraceId(response);
  assert.ok(chunks.length >= 3, `only ${chunks.length} chunks`);
  for (const c of chunks) assert.equal(c.object, 'chat.completion.chunk');
  assert.equal(chunks[0].choices[0].delta.role, 'assistant');
  const text = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('');
  assert.equal(text, full.choices[0].message.content);
  const finishes = chunks.filter((c) => c.choices[0]?.finish_reason);
  assert.equal(finishes.length, 1);
  assert.equal(finishes[0].choices[0].finish_reason, 'stop');
  assert.equal(chunks.filter((c) => c.usage).length, 0, 'a usage chunk came without include_usage');
});

test('chat stream with stream_options.include_usage: a final usage chunk', async () => {
  const messages = user('count these words please');
  const { chunks } = await collectStream({
    model: MODEL,
    messages,
    stream_options: { include_usage: true },
  });
  const last = chunks[chunks.length - 1];
  assert.ok(last.usage, 'no usage on the last chunk');
  assert.deepEqual(last.choices, []);
  assert.equal(last.usage.prompt_tokens, 4);
  const text = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('');
  assert.equal(text, 'echo: count these words please');
  assert.equal(last.usage.completion_tokens, words(text));
  assert.equal(chunks.filter((c) => c.usage).length, 1);
});

const weatherTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Weather for a city',
    parameters: { type: 'object', properties: { text: { type: 'string' } } },
  },
};

test('tools pass through: the SDK yields tool_calls', async () => {
  const res = await client.chat.completions.create({
    model: MODEL_TOOL,
    messages: user('weather in Paris'),
    tools: [weatherTool],
  });
  const msg = res.choices[0].message;
  assert.equal(res.choices[0].finish_reason, 'tool_calls');
  assert.equal(msg.tool_calls.length, 1);
  assert.equal(msg.tool_calls[0].type, 'function');
  assert.equal(msg.tool_calls[0].function.name, 'get_weather');
  assert.deepEqual(JSON.parse(msg.tool_calls[0].function.arguments), { text: 'weather in Paris' });

  // streamed: the SDK's stream helper assembles the tool call from the deltas
  const runner = client.chat.completions.stream({
    model: MODEL_TOOL,
    messages: user('weather in Oslo'),
    tools: [weatherTool],
  });
  const final = await runner.finalChatCompletion();
  const call = final.choices[0].message.tool_calls[0];
  assert.equal(call.function.name, 'get_weather');
  assert.deepEqual(JSON.parse(call.function.arguments), { text: 'weather in Oslo' });
});

test('response_format passes through', async () => {
  const res = await client.chat.completions.create({
    model: MODEL,
    messages: user('json please'),
    response_format: { type: 'json_object' },
  });
  // the fake answers a json_object request with {"answer": <text>}
  assert.deepEqual(JSON.parse(res.choices[0].message.content), { answer: 'echo: json please' });
});

test('embeddings: vectors per input, deterministic', async () => {
  const { data: res, response } = await client.embeddings
    .create({ model: MODEL_EMBED, input: ['alpha beta', 'gamma'] })
    .withResponse();
  checkTraceId(response);
  assert.equal(res.object, 'list');
  assert.equal(res.data.length, 2);
  for (const [i, item] of res.data.entries()) {
    assert.equal(item.index, i);
    assert.ok(Array.isArray(item.embedding) && item.embedding.length > 0);
    for (const x of item.embedding) assert.equal(typeof x, 'number');
  }
  assert.notDeepEqual(res.data[0].embedding, res.data[1].embedding);
  // float format asked explicitly gives the same numbers as the SDK's default (base64)
  const again = await client.embeddings.create({
    model: MODEL_EMBED,
    input: 'alpha beta',
    encoding_format: 'float',
  });
  assert.equal(again.data[0].embedding.length, res.data[0].embedding.length);
  again.data[0].embedding.forEach((x, i) => assert.ok(Math.abs(x - res.data[0].embedding[i]) < 1e-6));
  assert.equal(res.usage.prompt_tokens, 3);
});

test('models.list includes the model', async () => {
  const ids = [];
  for await (const m of client.models.list()) {
    assert.equal(m.object, 'model');
    ids.push(m.id);
  }
  assert.ok(ids.length > 0);
  assert.ok(ids.includes(MODEL.split('?')[0]), `${MODEL} not in ${ids.join(', ')}`);
});

test('bad request: BadRequestError (400)', async () => {
  await expectError(client.chat.completions.create({ model: MODEL, messages: [] }), OpenAI.BadRequestError, 400);
});

test('upstream 429: RateLimitError', async () => {
  await expectError(
    client.chat.completions.create({ model: MODEL_429, messages: user('x') }),
    OpenAI.RateLimitError,
    429,
  );
});

test('unknown model: NotFoundError (404)', { skip: llmopsOnly }, async () => {
  await expectError(
    client.chat.completions.create({ model: `no-such-model-${Date.now()}`, messages: user('x') }),
    OpenAI.NotFoundError,
    404,
  );
});

test('bad key: AuthenticationError (401)', { skip: llmopsOnly || (!KEY && 'KEY not set') }, async () => {
  const bad = new OpenAI({ baseURL: BASE_URL, apiKey: `${KEY}-wrong`, maxRetries: 0 });
  await expectError(bad.chat.completions.create({ model: MODEL, messages: user('x') }), OpenAI.AuthenticationError, 401);
});
