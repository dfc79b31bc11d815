// Load test: CLIENTS concurrent clients, each sending ROUNDS requests one
// after another (completions and chat, streamed and not, temperature 0), for
// at most SECONDS. Zero errors allowed: every answer must be the 200 with the
// text mamba-generate gives. The server's RSS after the first round (warm-up)
// and at the end must stay within RSS_SLACK bytes, and every slot must be free.
//   node load.mjs PORT MODEL GENERATE [CLIENTS=64] [ROUNDS=4] [SECONDS=60] [MAX_TOKENS=16]
// Prints "ok - ..." / "FAIL - ..." lines and a JSON summary line ("# load ...").
import { metrics as getMetrics, reference as ref, ok, failed } from './common.mjs';

const [port, model, gen, clientsArg, roundsArg, secsArg, ntokArg] = process.argv.slice(2);
const CLIENTS = Number(clientsArg || 64), ROUNDS = Number(roundsArg || 4), SECONDS = Number(secsArg || 60);
const NTOK = Number(ntokArg || 16), RSS_SLACK = 4 << 20;
const base = `http://127.0.0.1:${port}`;
const prompts = ['ROMEO:', 'JULIET:', 'First Citizen:\n', 'KING HENRY:\nOnce more', 'The ', 'O, ', 'MENENIUS:\n', 'Second Servant:'];
const chatOf = p => [{ role: 'user', content: p }];
const plain = p => `User: ${p}\nAssistant:`;
const reference = prompt => ref(gen, model, prompt, NTOK);
const cutUser = t => { const i = t.indexOf('\nUser:'); return i < 0 ? t : t.slice(0, i); };
const want = prompts.map(p => ({ completion: reference(p), chat: cutUser(reference(plain(p))) }));

const metrics = () => getMetrics(base);

let errors = 0, requests = 0, tokens = 0, sent = 0;
const ttft = [];
const deadline = Date.now() + SECONDS * 1000;
async function one(i, r) {
  const k = (i + r) % prompts.length, chat = (i + r) % 3 === 0, stream = (i + r) % 2 === 0;
  const body = chat ? { messages: chatOf(prompts[k]), max_tokens: NTOK, temperature: 0, stream }
    : { prompt: prompts[k], max_tokens: NTOK, temperature: 0, stream };
  const t0 = performance.now();
  sent++;
  const res = await fetch(`${base}/v1/${chat ? 'chat/completions' : 'completions'}`,
    { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  if (res.status !== 200) { errors++; console.log(`   HTTP ${res.status}: ${(await res.text()).slice(0, 200)}`); return; }
  let text = '', first = 0;
  if (stream) {
    const raw = await res.text();   // whole SSE stream
    for (const ev of raw.split('\n\n')) {
      if (!ev.startsWith('data: ') || ev === 'data: [DONE]') continue;
      const c = JSON.parse(ev.slice(6)).choices[0];
      text += chat ? (c.delta.content || '') : c.text;
    }
    if (!raw.trimEnd().endsWith('data: [DONE]')) { errors++; return; }
    first = performance.now();   // (TTFT is measured by bench/, with a reader)
  } else {
    const j = await res.json();
    text = chat ? j.choices[0].message.content : j.choices[0].text;
    first = performance.now();
  }
  ttft.push(first - t0);
  requests++;
  tokens += NTOK;
  const w = chat ? want[k].chat : want[k].completion;
  if (text !== w) { errors++; console.log(`   client ${i} round ${r}: ${JSON.stringify(text)} != ${JSON.stringify(w)}`); }
}
async function client(i, from, to) {
  for (let r = from; r < to && Date.now() < deadline; r++) {
    try { await one(i, r); } catch (e) { errors++; console.log(`   client ${i}: ${e}`); }
  }
}
const t0 = Date.now();
await Promise.all([...Array(CLIENTS).keys()].map(i => client(i, 0, 1)));   // warm-up round
const warm = await metrics();
await Promise.all([...Array(CLIENTS).keys()].map(i => client(i, 1, ROUNDS)));
const secs = (Date.now() - t0) / 1000;
await new Promise(r => setTimeout(r, 200));
const end = await metrics();
const rssWarm = warm.process_resident_memory_bytes, rssEnd = end.process_resident_memory_bytes;
ok(requests === sent && sent >= CLIENTS * Math.min(ROUNDS, 2), `${CLIENTS} clients: all ${sent} requests answered in ${secs.toFixed(1)} s (${CLIENTS * ROUNDS} planned, at most ${SECONDS} s)`);
ok(errors === 0, `zero errors (${errors})`);
ok(rssEnd - rssWarm <= RSS_SLACK, `server RSS flat after warm-up (${(rssWarm / 1048576).toFixed(1)} -> ${(rssEnd / 1048576).toFixed(1)} MiB)`);
ok(end.mamba_slots_active === 0 && end.mamba_queue_length === 0, 'every slot free at the end', end);
ttft.sort((a, b) => a - b);
console.log('# load ' + JSON.stringify({ clients: CLIENTS, rounds: ROUNDS, requests, errors, seconds: secs, tokens,
  tok_per_s: tokens / secs, p50_ms: ttft[Math.floor(ttft.length * 0.5)], p99_ms: ttft[Math.floor(ttft.length * 0.99)],
  rss_warm: rssWarm, rss_end: rssEnd }));
process.exit(failed() ? 1 : 0);
