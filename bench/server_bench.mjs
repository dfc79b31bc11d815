// Benchmark client for mamba-server: C concurrent clients, each sending R
// streamed completions one after another; every request is
// [SYSTEM PROMPT] + a short per-request question, max_tokens N, temperature 0.
// Measures aggregate generated tokens/s over the wall time and the time to
// first token (first SSE chunk with text) per request: p50 and p99.
//   node server_bench.mjs PORT C R N SYSTEM_TOKENS
// SYSTEM_TOKENS: length of the shared system prompt in bytes (the bench
// models have byte vocabularies: one byte, one token); 0 = none.
// Prints one JSON line.
const [port, C, R, N, SYS] = process.argv.slice(2).map(Number);
const base = `http://127.0.0.1:${port}`;
const line = 'You are a careful assistant who answers in the words of the old plays. ';
let system = '';
while (system.length < SYS) system += line;
system = system.slice(0, SYS);

const ttft = [];
let tokens = 0, errors = 0, requests = 0;
async function one(i, r) {
  const prompt = system + `\nQuestion ${i}.${r}: what news?\nAnswer:`;
  const t0 = performance.now();
  const res = await fetch(`${base}/v1/completions`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ prompt, max_tokens: N, temperature: 0, stream: true, stream_options: { include_usage: true } }),
  });
  if (res.status !== 200) { errors++; await res.text(); return; }
  const dec = new TextDecoder();
  let buf = '', first = 0, n = 0, done = false;
  for await (const chunk of res.body) {
    buf += dec.decode(chunk, { stream: true });
    let k;
    while ((k = buf.indexOf('\n\n')) >= 0) {
      const ev = buf.slice(0, k);
      buf = buf.slice(k + 2);
      if (ev === 'data: [DONE]') { done = true; continue; }
      if (!ev.startsWith('data: ')) continue;
      const j = JSON.parse(ev.slice(6));
      if (j.usage) n = j.usage.completion_tokens;   // the last chunk: exact token count
      else if (j.choices[0].finish_reason === null && !first) first = performance.now();
    }
  }
  if (!done || !first) { errors++; return; }
  ttft.push(first - t0);
  tokens += n;
  requests++;
}
const t0 = performance.now();
await Promise.all([...Array(C).keys()].map(async i => {
  for (let r = 0; r < R; r++) { try { await one(i, r); } catch (e) { errors++; } }
}));
const secs = (performance.now() - t0) / 1000;
ttft.sort((a, b) => a - b);
const q = p => ttft.length ? ttft[Math.min(ttft.length - 1, Math.floor(ttft.length * p))] : NaN;
const m = await (await fetch(`${base}/metrics`)).text();
const metric = k => Number((m.match(new RegExp(`^${k} (\\S+)$`, 'm')) || [0, NaN])[1]);
console.log(JSON.stringify({ clients: C, rounds: R, max_tokens: N, system: SYS, requests, errors, seconds: +secs.toFixed(2),
  tok_per_s: +(tokens / secs).toFixed(1), ttft_p50_ms: +q(0.5).toFixed(0), ttft_p99_ms: +q(0.99).toFixed(0),
  cache_hit_tokens: metric('mamba_prefix_cache_hit_tokens_total'), prompt_tokens_computed: metric('mamba_prompt_tokens_total') }));
