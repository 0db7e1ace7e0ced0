// npm run bench:export [-- --matters N]: the ledger as a file at a county's scale. Seeds N matters
// (default 100,000) with three events each in set-based inserts, then streams the county's CSV
// (matters, then events) and XLSX through the real HTTP route of a service in its own process,
// sampling that process's RSS (must stay under 300 MB). Beside each: the raw bound of the same
// run, a plain COPY ... TO STDOUT of the same rows, and a raw cursor read of them.
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { importRoster } from '../src/roster/import-roster.js';
import { parseRoster } from '../src/roster/parse-roster.js';
import { openStore } from '../src/store/db.js';

const { values } = parseArgs({
  options: {
    matters: { type: 'string', default: '100000' },
    'pg-admin': { type: 'string', default: process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
  },
});
const N = Number(values.matters);
// The service runs with the V8 flags `npm start` gives it (a bounded heap that is collected as it goes).
const SERVICE_FLAGS = (JSON.parse(readFileSync('package.json', 'utf8')).scripts.start as string).split(' ').filter((a) => a.startsWith('--'));
const LIMIT_MB = 300;
const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);

const name = `gl_bench_export_${randomBytes(4).toString('hex')}`;
const admin = postgres(values['pg-admin']!, { max: 1, onnotice: () => {} });
await admin.unsafe(`create database ${name}`);
const url = new URL(values['pg-admin']!);
url.pathname = `/${name}`;
let failed = false;

try {
  const store = await openStore({ kind: 'postgres', url: url.toString(), poolSize: 2 });
  await importRoster(store.db, parseRoster(readFileSync('roster/demo.yaml', 'utf8'), 'roster/demo.yaml'));
  await store.close();
  const sql = postgres(url.toString(), { max: 2, onnotice: () => {} });
  const [viewer] = await sql<{ id: string }[]>`select id from gridline.people where code = 'p-xie-weiping'`;
  const [root] = await sql<{ code: string }[]>`select code from gridline.grid_nodes where parent_id is null`;

  let t = Date.now();
  // Spread over the unit grids and the villagers, a year back; every tenth settled, summaries with Chinese and a formula-like one.
  await sql`
    with units as (select id, row_number() over (order by path) - 1 as i, count(*) over () as n from gridline.grid_nodes where level = 'unit'),
         folk as (select person_id as id, row_number() over (order by person_id) - 1 as i, count(*) over () as n from gridline.roles where role = 'villager')
    insert into gridline.matters (ref, category, step, state, level, grid_node_id, reporter_id, summary, created_at, due_at)
    select 'B' || lpad(g::text, 7, '0'),
           (array['help','dispute','hazard','complaint','consult','other'])[1 + g % 6]::gridline.category,
           (case when g % 10 = 0 then 'feedback' else 'dispatch' end)::gridline.step,
           (case when g % 10 = 0 then 'settled' else 'open' end)::gridline.matter_state,
           'unit', u.id, f.id,
           case when g % 97 = 0 then '=HYPERLINK("x")' else '第' || g || '件：自来水管爆了，村东头老槐树旁，请尽快处理' end,
           now() - make_interval(mins => (g * 5) % 525600),
           now() - make_interval(mins => (g * 5) % 525600) + interval '3 days'
    from generate_series(1, ${N}) g
    join units u on u.i = g % u.n
    join folk f on f.i = g % f.n`;
  await sql`
    insert into gridline.matter_events (matter_id, at, actor_id, action, level_to)
    select m.id, m.created_at + (k || ' minutes')::interval, case when k = 0 then m.reporter_id end, (array['report','receive','route'])[k + 1], 'unit'
    from gridline.matters m cross join generate_series(0, 2) k`;
  await sql`analyze`;
  const [counted] = await sql<{ events: number }[]>`select count(*)::int as events from gridline.matter_events`;
  const events = counted!.events;
  console.log(`seeded ${N.toLocaleString('en')} matters and ${events.toLocaleString('en')} events in ${((Date.now() - t) / 1000).toFixed(1)} s (set-based inserts)`);

  // The raw bound: the same rows, straight out of Postgres (each read on a connection of its own).
  const raw = postgres(url.toString(), { max: 1, onnotice: () => {} });
  await raw`select 1`;
  t = Date.now();
  let cursorRows = 0;
  for await (const rows of raw`select m.*, g.code, g.name from gridline.matters m join gridline.grid_nodes g on g.id = m.grid_node_id order by m.created_at, m.id`.cursor(1000)) cursorRows += rows.length;
  const cursorRate = cursorRows / ((Date.now() - t) / 1000);
  await raw.end();
  const rawCopy = postgres(url.toString(), { max: 1, onnotice: () => {} });
  t = Date.now();
  let copied = 0;
  const copy = await rawCopy`copy (select m.ref, m.created_at, g.code, g.name, m.category, m.state, m.level, r.name, r.phone, a.name, m.summary
      from gridline.matters m join gridline.grid_nodes g on g.id = m.grid_node_id left join gridline.people r on r.id = m.reporter_id left join gridline.people a on a.id = m.assignee_id
      order by m.created_at, m.id) to stdout with (format csv)`.readable();
  for await (const chunk of copy) for (const c of chunk as Buffer) if (c === 10) copied++;
  const copyRate = copied / ((Date.now() - t) / 1000);
  await rawCopy.end();

  const child = fork('bench/ledger-export-server.mjs', [], { execArgv: ['--expose-gc', ...SERVICE_FLAGS], env: { ...process.env, BENCH_DB: url.toString() }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ask = (what: string) => new Promise<{ rss: number; port?: number }>((resolve) => { child.once('message', resolve as never); if (what !== 'hello') child.send({ ask: what }); });
  const { port, rss: startRss } = await ask('hello');
  const results: Array<{ what: string; rows: number; bytes: number; seconds: number; peak: number; base: number }> = [];
  for (const [what, path, rowsOf] of [
    ['CSV, matters', `/desk/export.csv?node=${root!.code}`, (b: Buffer) => b.toString('utf8').split('\n').length - 2],
    ['CSV, events', `/desk/export.csv?node=${root!.code}&sheet=events`, (b: Buffer) => b.toString('utf8').split('\n').length - 2],
    ['XLSX, three sheets', `/desk/export.xlsx?node=${root!.code}`, () => N + events],
  ] as const) {
    const { rss: base } = await ask('reset');
    t = Date.now();
    const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { 'x-bench-viewer': viewer!.id } });
    if (res.status !== 200) throw new Error(`${what}: HTTP ${res.status} ${await res.text()}`);
    let bytes = 0;
    let lines = 0;
    let first: Buffer | null = null;
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      const b = Buffer.from(chunk);
      bytes += b.length;
      if (what.startsWith('CSV')) for (const c of b) if (c === 10) lines++;
      first ??= b;
    }
    const seconds = (Date.now() - t) / 1000;
    const { rss: peak } = await ask('peak');
    const rows = what.startsWith('CSV') ? lines - 1 : rowsOf(first!);
    if (what === 'CSV, matters' && rows < N) throw new Error(`CSV carried ${rows} matters, not ${N}`);
    results.push({ what, rows, bytes, seconds, peak, base });
  }
  const exited = new Promise((r) => child.once('exit', r));
  child.send({ ask: 'stop' });
  await exited;
  await sql.end();

  console.log(`\nservice RSS at start: ${mb(startRss)} MB`);
  console.log('export (real HTTP route)        rows      MB    s     rows/s   peak RSS (MB, before)');
  for (const r of results) {
    console.log(`${r.what.padEnd(28)} ${String(r.rows).padStart(8)} ${String(mb(r.bytes)).padStart(6)} ${r.seconds.toFixed(1).padStart(5)} ${String(Math.round(r.rows / r.seconds)).padStart(9)}   ${mb(r.peak)} (${mb(r.base)})`);
    if (mb(r.peak) >= LIMIT_MB) failed = true;
  }
  console.log(`raw bound, same run: COPY ... TO STDOUT ${Math.round(copyRate)} rows/s; raw cursor read ${Math.round(cursorRate)} rows/s (matters)`);
  console.log(failed ? `FAIL: the service's RSS went over ${LIMIT_MB} MB` : `peak RSS stayed under ${LIMIT_MB} MB`);
} catch (err) {
  failed = true;
  console.error(err);
} finally {
  await admin.unsafe(`drop database if exists ${name} with (force)`).catch(() => {});
  await admin.end();
}
process.exitCode = failed ? 1 : 0;
