// The openai npm client against mamba-server: completions and chat, streamed
// and not, at temperature 0 each answer must equal `mamba-generate --temp 0`
// for the same prompt and model (also 16 requests at once, and requests that
// resume from the prefix cache). Prints "ok - ..." / "FAIL - ..." lines.
//   node clients.mjs PORT MODEL GENERATE
import OpenAI from 'openai';
import { metrics as getMetrics, reference as ref, ok, failed } from './common.mjs';

const [port, model, gen] = process.argv.slice(2);
const base = `http://127.0.0.1:${port}`;
const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'unused', maxRetries: 0, timeout: 60000 });
const reference = (prompt, n, extra) => ref(gen, model, prompt, n, extra);
// what a request with stop strings must answer, given the unstopped text
function cut(text, stops) {
  let at = -1;
  for (const s of stops) { const i = text.indexOf(s); if (i >= 0 && (at < 0 || i < at)) at = i; }
  return at < 0 ? { text, finish: 'length' } : { text: text.slice(0, at), finish: 'stop' };
}
// the documented plain chat template (the bundled model has no chat template)
function plain(messages) {
  let s = '';
  for (const m of messages) {
    if (m.role === 'system' || m.role === 'developer') s += m.content + '\n\n';
    else s += (m.role === 'user' ? 'User: ' : m.role === 'assistant' ? 'Assistant: ' : 'Tool: ') + m.content + '\n';
  }
  return s + 'Assistant:';
}
const metrics = () => getMetrics(base);
async function complete(prompt, n, opts = {}) {
  if (opts.stream) {
    const s = await client.completions.create({ model: 'm', prompt, max_tokens: n, temperature: 0, ...opts, stream: true });
    let text = '', finish = null, chunks = 0;
    for await (const ch of s) { text += ch.choices[0].text; if (ch.choices[0].finish_reason) finish = ch.choices[0].finish_reason; chunks++; }
    return { text, finish, chunks };
  }
  const r = await client.completions.create({ model: 'm', prompt, max_tokens: n, temperature: 0, ...opts });
  return { text: r.choices[0].text, finish: r.choices[0].finish_reason, usage: r.usage };
}
async function chat(messages, n, opts = {}) {
  if (opts.stream) {
    const s = await client.chat.completions.create({ model: 'm', messages, max_tokens: n, temperature: 0, ...opts, stream: true });
    let text = '', finish = null, role = null;
    for await (const ch of s) {
      const d = ch.choices[0].delta;
      if (d.role) role = d.role;
      if (d.content) text += d.content;
      if (ch.choices[0].finish_reason) finish = ch.choices[0].finish_reason;
    }
    return { text, finish, role };
  }
  const r = await client.chat.completions.create({ model: 'm', messages, max_tokens: n, temperature: 0, ...opts });
  return { text: r.choices[0].message.content, finish: r.choices[0].finish_reason, role: r.choices[0].message.role, usage: r.usage };
}

const prompts = ['ROMEO:', 'JULIET:\nO Romeo, Romeo', 'First Citizen:\nBefore we proceed any further, hear me speak.\n',
  'KING RICHARD III:\nNow is the winter of our discontent', 'The ', 'QUEEN MARGARET:\n'];

try {
  const models = await client.models.list();
  ok(models.data.length === 1 && typeof models.data[0].id === 'string', 'GET /v1/models lists the model');

  // completions, plain and streamed
  for (const p of prompts.slice(0, 4)) {
    const want = reference(p, 48);
    const a = await complete(p, 48);
    ok(a.text === want && a.finish === 'length', `completion equals mamba-generate --temp 0 (${JSON.stringify(p.slice(0, 12))})`, { got: a.text, want });
    ok(a.usage && a.usage.completion_tokens === 48 && a.usage.prompt_tokens > 0, 'usage counts tokens', a.usage);
    const b = await complete(p, 48, { stream: true });
    ok(b.text === want && b.finish === 'length' && b.chunks > 1, `streamed completion equals it too (${b.chunks} chunks)`, { got: b.text, want });
  }
  // token-id prompt: the ids of "ROMEO:" in the byte vocabulary
  {
    const ids = [...Buffer.from('ROMEO:')];
    const a = await complete(ids, 20);
    ok(a.text === reference('ROMEO:', 20), 'prompt as a token list');
  }
  // stop strings: cut where generate's text has them; never streamed past
  for (const stops of [['the'], ['\n\n', 'and'], ['ROMEO'], ['e']]) {
    const full = reference('ROMEO:', 80);
    const want = cut(full, stops);
    const a = await complete('ROMEO:', 80, { stop: stops });
    ok(a.text === want.text && a.finish === want.finish, `stop ${JSON.stringify(stops)}: cut at the first match`, { got: a, want });
    const b = await complete('ROMEO:', 80, { stop: stops, stream: true });
    ok(b.text === want.text && b.finish === want.finish, `stop ${JSON.stringify(stops)} streamed: no stop text leaks`, { got: b, want });
  }
  // chat with the plain template ("\nUser:" is its stop string)
  {
    const msgs = [{ role: 'system', content: 'You are a player in a play.' }, { role: 'user', content: 'Who goes there?' }];
    const want = cut(reference(plain(msgs), 60), ['\nUser:']);
    const a = await chat(msgs, 60);
    ok(a.text === want.text && a.finish === want.finish && a.role === 'assistant', 'chat equals mamba-generate on the rendered template', { got: a, want });
    const b = await chat(msgs, 60, { stream: true });
    ok(b.text === want.text && b.finish === want.finish && b.role === 'assistant', 'streamed chat equals it too', { got: b, want });
    const msgs2 = [...msgs, { role: 'assistant', content: a.text }, { role: 'user', content: 'Speak again.' }];
    const want2 = cut(reference(plain(msgs2), 40), ['\nUser:']);
    const c = await chat(msgs2, 40);
    ok(c.text === want2.text, 'second chat turn with the history', { got: c, want: want2 });
  }
  // 16 requests at once: batching must not change a single byte
  {
    const jobs = [];
    for (let i = 0; i < 16; i++) {
      const p = prompts[i % prompts.length] + (i >= prompts.length ? ' ' + 'xyz'.repeat(i) : '');
      const n = 24 + i * 3;
      jobs.push({ p, n, stream: i % 2 === 1 });
    }
    const wants = jobs.map(j => reference(j.p, j.n));
    const got = await Promise.all(jobs.map(j => complete(j.p, j.n, { stream: j.stream })));
    let same = 0;
    got.forEach((g, i) => { if (g.text === wants[i]) same++; else console.log(`   request ${i}: ${JSON.stringify(g.text)} != ${JSON.stringify(wants[i])}`); });
    ok(same === 16, `16 concurrent requests each equal mamba-generate (${same}/16)`);
  }
  // the prefix cache: a long prompt again, and a prompt that extends an answer
  {
    const long = 'First Citizen:\n' + 'We are accounted poor citizens, the patricians good. '.repeat(6);
    const m0 = await metrics();
    const a = await complete(long, 30);
    const b = await complete(long, 30);
    const m1 = await metrics();
    ok(a.text === reference(long, 30) && b.text === a.text, 'a repeated long prompt gives the same answer');
    ok(m1.mamba_prefix_cache_hits_total > m0.mamba_prefix_cache_hits_total && m1.mamba_prefix_cache_hit_tokens_total - m0.mamba_prefix_cache_hit_tokens_total >= 256,
      `the repeat resumed from the cache (${m1.mamba_prefix_cache_hit_tokens_total - m0.mamba_prefix_cache_hit_tokens_total} tokens reused)`);
    const next = long + a.text + '\nSecond Citizen:\n';
    const m2 = await metrics();
    const c = await complete(next, 30);
    const m3 = await metrics();
    ok(c.text === reference(next, 30), 'a conversation continued from its history equals mamba-generate');
    ok(m3.mamba_prefix_cache_hit_tokens_total - m2.mamba_prefix_cache_hit_tokens_total >= Buffer.byteLength(long + a.text) - 1,
      `it resumed from the state after the previous answer (${m3.mamba_prefix_cache_hit_tokens_total - m2.mamba_prefix_cache_hit_tokens_total} tokens reused)`);
  }
  // 8 requests sharing a long system prompt, all at once: they leapfrog on
  // each other's cached prefix states and still equal mamba-generate
  {
    const sys = 'SYSTEM: You speak only in the words of the plays, with great care. '.repeat(8);
    const ps = [...Array(8).keys()].map(i => sys + `\nCITIZEN ${i}:\n`);
    const wants = ps.map(p => reference(p, 20));
    const m0 = await metrics();
    const got = await Promise.all(ps.map((p, i) => complete(p, 20, { stream: i % 2 === 0 })));
    const m1 = await metrics();
    const same = got.filter((g, i) => g.text === wants[i]).length;
    const reused = m1.mamba_prefix_cache_hit_tokens_total - m0.mamba_prefix_cache_hit_tokens_total;
    const computed = m1.mamba_prompt_tokens_total - m0.mamba_prompt_tokens_total;
    ok(same === 8, `8 concurrent requests with a shared ${sys.length}-token prefix equal mamba-generate (${same}/8)`);
    ok(reused >= 6 * 512 && computed < 3 * sys.length,
      `they share its computation (${reused} prompt tokens from the cache, ${computed} computed, of ${8 * Buffer.byteLength(ps[0])})`);
  }
  // seeded sampling: the same seed gives the same text, and mamba-generate's
  {
    const opts = { temperature: 0.9, top_p: 0.9, top_k: 20, seed: 1234 };
    const a = await complete('ROMEO:', 40, opts);
    const b = await complete('ROMEO:', 40, { ...opts, stream: true });
    const want = reference('ROMEO:', 40, ['--temp', '0.9', '--top-p', '0.9', '--top-k', '20', '--seed', '1234']);
    ok(a.text === b.text && a.text === want, 'seeded sampling equals mamba-generate --seed', { got: a.text, want });
  }
  // errors come back as OpenAI errors the client understands
  try {
    await client.completions.create({ model: 'm', prompt: 'x', max_tokens: 'ten' });
    ok(false, 'a bad parameter is refused');
  } catch (e) {
    ok(e.status === 400 && e.error && e.error.param === 'max_tokens', 'a bad parameter gives 400 naming the field (openai.BadRequestError)', { status: e.status, error: e.error });
  }
  const m = await metrics();
  ok(m.mamba_slots_active === 0 && m.mamba_queue_length === 0, 'every slot free at the end', m);
} catch (e) {
  ok(false, `client run: ${e.stack || e}`);
}
process.exit(failed() ? 1 : 0);
