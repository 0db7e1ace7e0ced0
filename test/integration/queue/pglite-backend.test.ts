// BullMQ's PostgreSQL backend on an embedded PGlite that drizzle uses at the same time.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { createPostgresBackend, Queue, QueueEvents, Worker, type Job } from 'bullmq';
import { eq, sql } from 'drizzle-orm';
import { drizzle, type PgliteDatabase } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPglitePool, pgliteBackendConnection } from '../../../src/queue/pglite-pool.js';
import * as schema from '../../../src/store/schema.js';

const MIGRATIONS = fileURLToPath(new URL('../../../drizzle', import.meta.url));
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(10);
  }
}

type Closable = { close(): Promise<void> };

describe('BullMQ on an in-memory PGlite shared with drizzle', () => {
  let pg: PGlite;
  let db: PgliteDatabase<typeof schema>;
  const open: Closable[] = [];
  let n = 0;
  const name = (label: string) => `${label}-${++n}`;

  function queue(q: string) {
    const created = new Queue(q, { connection: pgliteBackendConnection(pg) }, createPostgresBackend);
    open.push(created);
    return created;
  }
  function worker(q: string, fn: (job: Job) => Promise<unknown>, concurrency = 1) {
    const created = new Worker(q, fn, { connection: pgliteBackendConnection(pg), concurrency }, createPostgresBackend);
    created.on('error', () => {});
    open.unshift(created); // workers close before queues
    return created;
  }
  function events(q: string) {
    const created = new QueueEvents(q, { connection: pgliteBackendConnection(pg) }, createPostgresBackend);
    open.unshift(created);
    return created;
  }
  async function count(table: string): Promise<number> {
    const { rows } = await pg.query<{ n: number }>(`select count(*)::int as n from ${table}`);
    return rows[0]!.n;
  }

  beforeAll(async () => {
    pg = new PGlite();
    db = drizzle({ client: pg, schema });
    await migrate(db, { migrationsFolder: MIGRATIONS });
    await pg.exec(`create schema scratch;
      create table scratch.tx_rows (v int not null);
      create table scratch.worker_log (job_id text not null, at timestamptz not null default clock_timestamp())`);
  }, 180_000); // a cold PGlite and two sets of migrations: slow on a loaded machine


  afterAll(async () => {
    for (const c of open) await c.close();
    await pg?.close();
  });

  it('migrates BullMQ once, sets search_path, and leaves the app tables alone', async () => {
    const q = queue(name('boot'));
    await q.waitUntilReady();
    const { rows } = await pg.query<{ search_path: string }>('show search_path');
    expect(rows[0]!.search_path).toBe('bullmq, public');
    expect(await count('bullmq.migration')).toBeGreaterThan(0);
    expect(pgliteBackendConnection(pg)).toBe(pgliteBackendConnection(pg));
    // The app's drizzle queries are schema-qualified, so BullMQ's search_path does not touch them.
    await db.insert(schema.processedEvents).values({ id: 'evt-1' });
    const got = await db.select().from(schema.processedEvents).where(eq(schema.processedEvents.id, 'evt-1'));
    expect(got).toHaveLength(1);
    const { rows: where } = await pg.query<{ s: string }>(
      `select table_schema as s from information_schema.tables where table_name = 'processed_events'`,
    );
    expect(where.map((r) => r.s)).toEqual(['gridline']);
  });

  it('processes added jobs with a Worker', async () => {
    const q = queue(name('basic'));
    const seen: number[] = [];
    await q.addBulk(Array.from({ length: 20 }, (_, i) => ({ name: 'n', data: { i } })));
    worker(q.name, async (job) => {
      seen.push(job.data.i as number);
      return job.data.i;
    });
    await waitFor(() => seen.length === 20);
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    await waitFor(async () => (await q.getJobCounts('completed')).completed === 20);
  });

  it('processes a repeated custom jobId once', async () => {
    const q = queue(name('dedup'));
    const ids: string[] = [];
    worker(q.name, async (job) => {
      ids.push(String(job.id));
    });
    const first = await q.add('x', { v: 1 }, { jobId: 'order-42' });
    await q.add('x', { v: 2 }, { jobId: 'order-42' });
    await q.addBulk([{ name: 'x', data: { v: 3 }, opts: { jobId: 'order-42' } }]);
    expect(first.id).toBe('order-42');
    // One job, done, and nothing left that could run: no need to wait and see.
    const drained = async () => {
      const c = await q.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'completed');
      return (c.waiting ?? 0) + (c.active ?? 0) + (c.delayed ?? 0) + (c.prioritized ?? 0) === 0 && c.completed === 1;
    };
    await waitFor(drained);
    expect(ids).toEqual(['order-42']);
    // Added again after completion: still the same job, not run again.
    await q.add('x', { v: 4 }, { jobId: 'order-42' });
    expect(await drained()).toBe(true);
    expect(await q.getJobState('order-42')).toBe('completed');
    expect(ids).toEqual(['order-42']);
    await expect(q.add('x', {}, { jobId: 'a:b' })).rejects.toThrow();
  });

  it('fires a delayed job after its delay, woken at its time rather than by the idle poll', async () => {
    const q = queue(name('delay'));
    const qe = events(q.name);
    await qe.waitUntilReady();
    let startedAt = 0;
    // An idle worker re-checks only every drainDelay seconds: at 120 s, a job that ran within the
    // wait below was woken by its own due time (how late it was is only logged: load decides that).
    const w = new Worker(q.name, async () => {
      startedAt = Date.now();
    }, { connection: pgliteBackendConnection(pg), drainDelay: 120 }, createPostgresBackend);
    w.on('error', () => {});
    open.unshift(w);
    await w.waitUntilReady();
    const job = await q.add('later', {}, { delay: 300 });
    await job.waitUntilFinished(qe, 60_000);
    const late = startedAt - job.timestamp - 300;
    console.log(`pglite: a 300 ms delayed job started ${late} ms late`);
    expect(late).toBeGreaterThanOrEqual(0);
  });

  it('supports QueueEvents and job.waitUntilFinished', async () => {
    const q = queue(name('events'));
    const qe = events(q.name);
    await qe.waitUntilReady();
    const completed: string[] = [];
    qe.on('completed', ({ jobId }) => completed.push(jobId));
    worker(q.name, async (job) => {
      if (job.data.fail) throw new Error('boom');
      return { doubled: (job.data.x as number) * 2 };
    });
    const ok = await q.add('ok', { x: 21 });
    const bad = await q.add('bad', { fail: true });
    await expect(ok.waitUntilFinished(qe, 5000)).resolves.toEqual({ doubled: 42 });
    await expect(bad.waitUntilFinished(qe, 5000)).rejects.toThrow('boom');
    await waitFor(() => completed.includes(ok.id!));
  });

  it('runs drizzle transactions next to a busy worker without deadlock or interleaving', async () => {
    const q = queue(name('busy'));
    const total = 300;
    let processed = 0;
    worker(
      q.name,
      async (job) => {
        await pg.query('insert into scratch.worker_log (job_id) values ($1)', [job.id]);
        processed++;
      },
      10,
    );
    await q.addBulk(Array.from({ length: total }, (_, i) => ({ name: 'w', data: { i } })));
    await waitFor(() => processed >= 30);

    class Rollback extends Error {}
    const seenInside: Array<[number, number]> = [];
    const progressDuring: number[] = [];
    const runs = Array.from({ length: 10 }, async (_, i) => {
      try {
        await db.transaction(async (tx) => {
          const read = async () =>
            ((await tx.execute(sql`select count(*)::int as n from scratch.worker_log`)).rows[0] as { n: number }).n;
          const processedAtStart = processed;
          await tx.execute(sql`insert into scratch.tx_rows (v) values (${i})`);
          const before = await read();
          await sleep(40); // the worker keeps going meanwhile, but must not get into this session
          const after = await read();
          seenInside.push([before, after]);
          progressDuring.push(processed - processedAtStart);
          if (i % 2 === 1) throw new Rollback();
        });
      } catch (err) {
        if (!(err instanceof Rollback)) throw err;
      }
    });
    await Promise.all(runs);

    await waitFor(() => processed === total, 20_000);
    expect(seenInside).toHaveLength(10);
    for (const [before, after] of seenInside) expect(after).toBe(before);
    // Jobs wait for the lock: none finished its insert while a transaction held PGlite.
    expect(progressDuring.every((p) => p === 0)).toBe(true);
    // Rolled-back transactions took only their own rows with them, never a job's write.
    const { rows } = await pg.query<{ v: number }>('select v from scratch.tx_rows order by v');
    expect(rows.map((r) => r.v)).toEqual([0, 2, 4, 6, 8]);
    expect(await count('scratch.worker_log')).toBe(total);
  });

  it("waits while an enqueue is awaited inside the app's own transaction (enqueue after commit)", async () => {
    const q = queue(name('intx'));
    await q.waitUntilReady();
    let pending: Promise<Job> | undefined;
    let added = false;
    const seenInside = await db.transaction(async (tx) => {
      pending = q.add('x', {}, { jobId: 'in-tx' });
      void pending.then(() => (added = true));
      // PGlite is one session: had the add got in, its row would show inside this transaction. The
      // transaction makes twenty round trips, each after letting the event loop run everything else.
      const seen: number[] = [];
      for (let i = 0; i < 20; i++) {
        await new Promise((r) => setImmediate(r));
        const { rows } = await tx.execute(sql`select count(*)::int as n from bullmq.job where id = 'in-tx'`);
        seen.push((rows[0] as { n: number }).n);
      }
      return { seen, added };
    });
    expect(seenInside).toEqual({ seen: Array(20).fill(0), added: false });
    // Not lost, only queued behind the transaction: it lands once the transaction ends.
    await expect(pending).resolves.toMatchObject({ id: 'in-tx' });
  });

  it('holds BEGIN..COMMIT of a pool client under the transaction lock, and maps LISTEN', async () => {
    const pool = createPglitePool(pg, { migrate: false });
    const a = await pool.connect();
    await a.query('BEGIN');
    await a.query('insert into scratch.tx_rows (v) values ($1)', [100]);
    let otherDone = false;
    const other = pool.query<{ n: number }>('select count(*)::int as n from scratch.tx_rows where v = 100').then((r) => {
      otherDone = true;
      return r.rows[0]!.n;
    });
    const drizzleTx = db.transaction(async (tx) => tx.execute(sql`select 1`));
    expect(otherDone).toBe(false);
    await a.query('ROLLBACK');
    // PGlite is one session: had the other query run inside the open transaction, it would have seen the row.
    expect(await other).toBe(0);
    await drizzleTx;

    const notes: Array<{ channel: string; payload?: string }> = [];
    a.on('notification', (m) => notes.push(m));
    await a.query('-- comment\nLISTEN gl_probe;\n');
    await pool.query(`select pg_notify('gl_probe', 'hello')`);
    await waitFor(() => notes.length === 1);
    expect(notes[0]).toEqual({ channel: 'gl_probe', payload: 'hello' });
    await a.query('UNLISTEN gl_probe');
    // Notifications arrive in order: once the marker on another channel is in, 'again' would have been too.
    await a.query('LISTEN gl_marker');
    await pool.query(`select pg_notify('gl_probe', 'again')`);
    await pool.query(`select pg_notify('gl_marker', 'after')`);
    await waitFor(() => notes.some((n) => n.channel === 'gl_marker'));
    expect(notes.filter((n) => n.channel === 'gl_probe')).toHaveLength(1);
    await a.query('UNLISTEN gl_marker');
    a.release();
    await pool.end();
    await expect(pool.query('select 1')).rejects.toThrow(/after calling end/);
  });

  it('processes 500 jobs at worker concurrency 10', async () => {
    const q = queue(name('c10'));
    await q.addBulk(Array.from({ length: 500 }, (_, i) => ({ name: 'n', data: { i } })));
    let done = 0;
    let inFlight = 0;
    let maxInFlight = 0;
    const started = Date.now();
    worker(
      q.name,
      async () => {
        maxInFlight = Math.max(maxInFlight, ++inFlight);
        await sleep(5);
        inFlight--;
        done++;
      },
      10,
    );
    await waitFor(() => done === 500, 25_000);
    const secs = (Date.now() - started) / 1000;
    console.log(`pglite: 500 jobs at concurrency 10 in ${secs.toFixed(2)} s (${Math.round(500 / secs)} jobs/s)`);
    expect(maxInFlight).toBeGreaterThan(1);
    expect(maxInFlight).toBeLessThanOrEqual(10);
    await waitFor(async () => (await q.getJobCounts('completed')).completed === 500);
  });
});

describe('BullMQ on a PGlite dataDir', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'gl-pglite-queue-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps unprocessed jobs across closing and reopening PGlite', async () => {
    const first = new PGlite(dir);
    const q1 = new Queue('restart', { connection: pgliteBackendConnection(first) }, createPostgresBackend);
    await q1.addBulk(Array.from({ length: 5 }, (_, i) => ({ name: 'r', data: { i }, opts: { jobId: `r-${i}` } })));
    await q1.add('r', { i: 99 }, { jobId: 'r-delayed', delay: 400 });
    await q1.close();
    await first.close();

    const second = new PGlite(dir);
    const seen: string[] = [];
    const q2 = new Queue('restart', { connection: pgliteBackendConnection(second) }, createPostgresBackend);
    let w: Closable | undefined;
    try {
      expect(await q2.getJobCounts('wait', 'delayed')).toMatchObject({ wait: 5, delayed: 1 });
      w = new Worker(
        'restart',
        async (job) => {
          seen.push(String(job.id));
        },
        { connection: pgliteBackendConnection(second) },
        createPostgresBackend,
      );
      await waitFor(() => seen.length === 6);
      expect(seen.sort()).toEqual(['r-0', 'r-1', 'r-2', 'r-3', 'r-4', 'r-delayed']);
    } finally {
      await w?.close();
      await q2.close();
      await second.close();
    }
  }, 120_000); // two cold PGlite starts
});
