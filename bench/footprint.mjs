// npm run bench:footprint: the embedded default's memory and the CLI's wall time, next to the raw
// bounds of the same run (a bare node process, a bare PGlite on its defaults, `node -e ''`), so the
// figures read as ratios on a machine whose load varies. Runs the built JavaScript (npm run build).
// The CLI is timed as a person types it (`npx gridline matters`, npm's start and its look at the
// project included) and as node runs it (`node bin/gridline.js matters`, the CLI's own share),
// each call beside a `node -e ''`, taken in turn so the three see the same load.
//   --idle <s>     how long the service idles before its RSS is read (default 20)
//   --reports <n>  reports in the burst (default 200), sent as the CLI sends them to a running service
//   --runs <n>     CLI calls timed (default 10)
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = path.join(root, 'bin/gridline.js');
const { values } = parseArgs({ options: { idle: { type: 'string', default: '20' }, reports: { type: 'string', default: '200' }, runs: { type: 'string', default: '10' } } });
const idleMs = Number(values.idle) * 1000;
const reports = Number(values.reports);
const runs = Number(values.runs);
const NODE_FLAGS = ['--max-old-space-size=256', '--max-semi-space-size=4']; // as `npm start`

const mb = (kb) => `${(kb / 1024).toFixed(0)} MB`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
function status(pid) {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(s)?.[1] ?? 0);
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}
async function freePort() {
  const srv = createServer().listen(0, '127.0.0.1');
  await new Promise((r) => srv.once('listening', r));
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}
async function until(what, fn, ms = 180_000) {
  const end = Date.now() + ms;
  for (;;) {
    if (await fn().catch(() => false)) return;
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await sleep(200);
  }
}
function wall(cmd, args, env) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { env, cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr}`);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}
/** RSS of a child that sets itself up, then idles `ms` and reports. */
async function childRss(code, ms) {
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  await until('a bare child', async () => out.includes('ready'), 120_000);
  await sleep(ms);
  const s = status(child.pid);
  child.kill();
  return s;
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'gridline-footprint-'));
const env = { ...process.env, GRIDLINE_DATA_DIR: path.join(tmp, 'data'), LOG_LEVEL: 'warn', NODE_ENV: 'production' };
delete env.DATABASE_URL;
delete env.REDIS_URL;
const rows = [];
let service;
try {
  // ── raw bounds ────────────────────────────────────────────────────────────
  const bareNode = await childRss(`console.log('ready'); setInterval(() => {}, 1000);`, 1000);
  const barePglite = await childRss(
    `import { PGlite } from '@electric-sql/pglite'; const pg = new PGlite(${JSON.stringify(path.join(tmp, 'bare-pglite'))}); await pg.waitReady; await pg.query('select 1'); console.log('ready'); setInterval(() => {}, 1000);`,
    2000,
  );

  // ── the service, idle ─────────────────────────────────────────────────────
  const port = await freePort();
  const started = Date.now();
  service = spawn(process.execPath, [...NODE_FLAGS, bin, 'serve'], { env: { ...env, HTTP_PORT: String(port) }, stdio: ['ignore', 'ignore', 'inherit'] });
  const base = `http://127.0.0.1:${port}`;
  await until('/readyz', async () => (await fetch(`${base}/readyz`)).status === 200);
  const readyS = (Date.now() - started) / 1000;
  await sleep(idleMs);
  const idle = status(service.pid);

  // ── a burst of reports, as `gridline report` sends them to the running service ──
  const { url, token } = JSON.parse(readFileSync(path.join(env.GRIDLINE_DATA_DIR, 'service.json'), 'utf8'));
  let peak = idle.rss;
  const sampler = setInterval(() => (peak = Math.max(peak, status(service.pid).rss)), 100);
  const people = ['p-luo-xiuying', 'p-liu-gensheng'];
  const t0 = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      while (next < reports) {
        const i = next++;
        const res = await fetch(`${url}/admin/ops/report`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ as: people[i % people.length], text: `路灯坏了 第${i}盏`, category: 'help' }),
        });
        if (!res.ok) throw new Error(`report ${i}: ${res.status} ${await res.text()}`);
      }
    }),
  );
  const burstS = (Date.now() - t0) / 1000;
  // The work the reports started (routing, notices) runs on after the last is admitted: sample it too.
  await until('the outbox to drain', async () => (await (await fetch(`${base}/healthz`)).json()).outboxBacklog === 0, 120_000).catch(() => {});
  await sleep(2000);
  clearInterval(sampler);
  const after = status(service.pid);

  // ── the CLI against the running service, beside a bare node ──────────────
  const matters = ['matters', '--limit', '5'];
  wall('npx', ['gridline', ...matters], env); // npx links the project into its cache on a first call: not timed
  const nodeWall = [];
  const cli = [];
  const npx = [];
  for (let i = 0; i < runs; i++) {
    nodeWall.push(wall(process.execPath, ['-e', ''], env));
    cli.push(wall(process.execPath, [bin, ...matters], env));
    npx.push(wall('npx', ['gridline', ...matters], env));
  }
  const minMed = (xs) => `${Math.min(...xs).toFixed(0)} / ${median(xs).toFixed(0)} ms`;

  rows.push(
    ['raw: bare node process, RSS', mb(bareNode.rss)],
    ['raw: bare PGlite on its defaults (fresh folder), RSS / peak', `${mb(barePglite.rss)} / ${mb(barePglite.hwm)}`],
    ['service: fresh folder to /readyz', `${readyS.toFixed(1)} s`],
    [`service: idle RSS after ${idleMs / 1000} s (target < 250 MB)`, mb(idle.rss)],
    ['service: peak RSS while starting', mb(idle.hwm)],
    [`service: ${reports} reports in ${burstS.toFixed(1)} s, peak RSS during the burst (target < 400 MB)`, mb(peak)],
    ['service: RSS after the burst', mb(after.rss)],
    [`raw: node -e '' wall, min / median of ${runs} (taken between the CLI's calls)`, minMed(nodeWall)],
    [`CLI: npx gridline matters wall, min / median of ${runs} (target < 500 ms)`, minMed(npx)],
    [`CLI: node bin/gridline.js matters wall, min / median of ${runs}`, minMed(cli)],
  );
} finally {
  service?.kill('SIGTERM');
  if (service) await new Promise((r) => (service.exitCode !== null ? r() : service.once('exit', r)));
  rmSync(tmp, { recursive: true, force: true });
}
const width = Math.max(...rows.map(([k]) => k.length));
for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
console.log(`(load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} on ${os.cpus().length} cores)`);
