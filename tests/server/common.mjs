// Helpers shared by the Node test clients.
import { execFileSync } from 'node:child_process';

// the server's /metrics as { name: value } (labels kept in the name)
export async function metrics(base) {
  const t = await (await fetch(`${base}/metrics`)).text();
  const v = {};
  for (const line of t.split('\n')) {
    const m = line.match(/^([a-z_]+(?:\{[^}]*\})?) (\d+(?:\.\d+)?)$/);
    if (m) v[m[1]] = Number(m[2]);
  }
  return v;
}

// what mamba-generate continues prompt with (it echoes the prompt, then the
// continuation, then "\n")
export function reference(gen, model, prompt, n, extra = ['--temp', '0']) {
  const s = execFileSync(gen, ['-m', model, '-p', prompt, '-n', String(n), '-t', '1', ...extra],
    { stdio: ['ignore', 'pipe', 'ignore'] }).toString('utf8');
  if (!s.startsWith(prompt) || !s.endsWith('\n')) throw new Error('unexpected mamba-generate output');
  return s.slice(prompt.length, -1);
}

// "ok - name" / "FAIL - name" lines; failed() counts the failures
let nfailed = 0;
export function ok(cond, name, detail) {
  console.log(`${cond ? 'ok' : 'FAIL'} - ${name}`);
  if (!cond) { nfailed++; if (detail !== undefined) console.log(`   ${JSON.stringify(detail).slice(0, 600)}`); }
}
export const failed = () => nfailed;
