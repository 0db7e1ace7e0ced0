// No-op jobs/s through BullMQ's PostgreSQL backend on an in-memory PGlite.
// Run: npx tsx bench/pglite-queue.ts [jobs=2000] [concurrency=10]
import { PGlite } from '@electric-sql/pglite';
import { createPostgresBackend, Queue, Worker } from 'bullmq';
import { pgliteBackendConnection } from '../src/queue/pglite-pool.js';

const JOBS = Number(process.argv[2] ?? 2000);
const CONCURRENCY = Number(process.argv[3] ?? 10);
const rate = (n: number, ms: number) => Math.round((n * 1000) / ms);

const pg = new PGlite();
await pg.waitReady;
const connection = pgliteBackendConnection(pg);
const queue = new Queue('bench', { connection }, createPostgresBackend);
await queue.waitUntilReady();

// Phase 1: enqueue everything (bulk adds of 500), no worker running.
let t = performance.now();
for (let i = 0; i < JOBS; i += 500) {
  const n = Math.min(500, JOBS - i);
  await queue.addBulk(Array.from({ length: n }, (_, k) => ({ name: 'noop', data: { i: i + k } })));
}
const addMs = performance.now() - t;

// Phase 2: drain them with one worker.
let done = 0;
let finished!: () => void;
const allDone = new Promise<void>((r) => (finished = r));
t = performance.now();
const worker = new Worker('bench', async () => {}, { connection, concurrency: CONCURRENCY }, createPostgresBackend);
worker.on('completed', () => {
  if (++done === JOBS) finished();
});
await allDone;
const runMs = performance.now() - t;

// Phase 3: producer alongside the worker, one add at a time.
done = 0;
const alongside = new Promise<void>((r) => (finished = r));
t = performance.now();
for (let i = 0; i < JOBS; i++) await queue.add('noop', { i });
await alongside;
const bothMs = performance.now() - t;

console.log(`BullMQ on PGlite ${(await pg.query<{ v: string }>(`select current_setting('server_version') as v`)).rows[0]?.v}, ${JOBS} no-op jobs`);
console.log(`  enqueue (addBulk 500):           ${rate(JOBS, addMs)} jobs/s`);
console.log(`  process, concurrency ${CONCURRENCY}:        ${rate(JOBS, runMs)} jobs/s`);
console.log(`  add one by one + process:        ${rate(JOBS, bothMs)} jobs/s`);

await worker.close();
await queue.close();
await pg.close();
