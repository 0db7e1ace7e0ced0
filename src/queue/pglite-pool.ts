// BullMQ's PostgreSQL backend on an embedded PGlite that the app (drizzle-orm/pglite) uses too.
// PGlite is ONE Postgres session: this object hands BullMQ virtual `pg` clients that all share it.
import { EventEmitter } from 'node:events';
import { TransactionAbortedError, type PGlite, type Results, type Transaction } from '@electric-sql/pglite';
import { DEFAULT_SCHEMA, runMigrations, type PgNotification, type PgPool, type PgPoolClient, type PgQueryResult } from 'bullmq';

export type { PgPool } from 'bullmq';

export interface PglitePoolOptions {
  /** Apply BullMQ's schema migrations before the first query is served (default true). */
  migrate?: boolean;
}

// node-postgres returns int8 as strings; PGlite gives number/bigint (and bigint breaks
// JSON.stringify). Converted after the fact: per-query `parsers` make PGlite copy its whole
// parser table on every query, which halves its query rate.
const INT8 = 20;
const INT8_ARRAY = 1016;
const asText = (v: unknown): unknown => (v == null ? v : Array.isArray(v) ? v.map(asText) : String(v));

function int8AsText<R>(r: Results<R>): void {
  for (const f of r.fields) {
    if (f.dataTypeID !== INT8 && f.dataTypeID !== INT8_ARRAY) continue;
    for (const row of r.rows as Record<string, unknown>[]) row[f.name] = asText(row[f.name]);
  }
}

const LEADING_COMMENTS = /^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*/;

type Control =
  | { kind: 'begin'; modes: string }
  | { kind: 'commit' }
  | { kind: 'rollback' }
  | { kind: 'listen'; channel: string }
  | { kind: 'unlisten'; channel: string };

/** Recognises the session-control statements that must not reach PGlite verbatim. */
function classify(text: string): Control | null {
  let sql = text.replace(LEADING_COMMENTS, '');
  // Cheap pre-filter, as nearly every query is a SELECT: first letters of the keywords below.
  if (!'bscealru'.includes(String.fromCharCode(sql.charCodeAt(0) | 0x20)) || /^select\b/i.test(sql)) return null;
  sql = sql.trimEnd().replace(/;$/, '').trimEnd();
  if (sql.includes(';')) return null;
  let m: RegExpMatchArray | null;
  if ((m = /^(?:begin(?:\s+(?:work|transaction))?|start\s+transaction)\b\s*(.*)$/is.exec(sql))) {
    return { kind: 'begin', modes: m[1] ?? '' };
  }
  if (/^(?:commit|end)(?:\s+(?:work|transaction))?$/i.test(sql)) return { kind: 'commit' };
  if (/^(?:rollback|abort)(?:\s+(?:work|transaction))?$/i.test(sql)) return { kind: 'rollback' };
  if ((m = /^listen\s+("(?:[^"]|"")+"|[^\s"]+)$/i.exec(sql))) return { kind: 'listen', channel: m[1]! };
  if ((m = /^unlisten\s+("(?:[^"]|"")+"|[^\s"]+|\*)$/i.exec(sql))) return { kind: 'unlisten', channel: m[1]! };
  return null;
}

/** The channel name Postgres reports: unquoted identifiers fold to lower case. */
function channelName(ident: string): string {
  return ident.startsWith('"') ? ident.slice(1, -1).replace(/""/g, '"') : ident.toLowerCase();
}

// node-postgres JSON-encodes plain objects; PGlite would call toString() unless the param is json.
function pgParams(params: readonly unknown[]): unknown[] {
  return params.map((p) =>
    p !== null && typeof p === 'object' && !(p instanceof Date) && !(p instanceof Uint8Array) && !Array.isArray(p)
      ? JSON.stringify(p)
      : p,
  );
}

function toPg<R>(r: Results<R> | undefined): PgQueryResult<R> & { command?: string } {
  if (!r) return { rows: [], rowCount: null };
  int8AsText(r);
  return { rows: r.rows, rowCount: r.rowCount ?? (r.affectedRows || r.rows.length), command: r.command };
}

type Executor = Pick<Transaction, 'query' | 'exec'>;

async function run<R>(ex: Executor, text: string, params?: readonly unknown[]): Promise<PgQueryResult<R>> {
  if (params && params.length) return toPg(await ex.query<R>(text, pgParams(params)));
  // No parameters: simple protocol, which also takes several statements (BullMQ's migrations).
  const results = await ex.exec(text);
  return toPg(results[results.length - 1] as Results<R> | undefined);
}

interface OpenTx {
  tx: Transaction;
  end: (action: 'commit' | 'rollback') => void;
  done: Promise<void>;
}

class PgliteClient extends EventEmitter implements PgPoolClient {
  private openTx: OpenTx | undefined;
  private readonly unlisteners = new Map<string, () => Promise<void>>();
  private chain: Promise<unknown> = Promise.resolve();
  private released = false;

  constructor(
    private readonly pool: PglitePool,
    private readonly pg: PGlite,
    private readonly gated = true,
  ) {
    super();
  }

  // Like a pg client, queries on one client run one after another.
  query<R = any>(text: string, params?: readonly unknown[]): Promise<PgQueryResult<R>> {
    const next = this.chain.then(() => this.execute<R>(text, params));
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async execute<R>(text: string, params?: readonly unknown[]): Promise<PgQueryResult<R>> {
    if (this.released) throw new Error('Client was released and cannot be used');
    const control = classify(text);
    if (!control) {
      if (this.openTx) return run<R>(this.openTx.tx, text, params);
      if (this.gated) await this.pool.ready;
      return run<R>(this.pg, text, params);
    }
    switch (control.kind) {
      case 'begin':
        return this.begin(control.modes);
      case 'commit':
        return this.finish('commit');
      case 'rollback':
        return this.finish('rollback');
      case 'listen':
        return this.listen(control.channel);
      case 'unlisten':
        return this.unlisten(control.channel);
    }
  }

  // BEGIN..COMMIT runs inside PGlite's transaction(), i.e. under its transaction lock: other
  // clients' queries and drizzle's transactions wait, none can slip into this one.
  private async begin(modes: string): Promise<PgQueryResult> {
    if (this.openTx) return { rows: [], rowCount: null }; // Postgres only warns here
    let end!: OpenTx['end'];
    const ended = new Promise<'commit' | 'rollback'>((resolve) => (end = resolve));
    let opened!: (tx: Transaction) => void;
    const open = new Promise<Transaction>((resolve) => (opened = resolve));
    const done = this.pg.transaction(async (tx) => {
      opened(tx);
      if ((await ended) === 'rollback') await tx.rollback();
    });
    const tx = await Promise.race([
      open,
      done.then(() => {
        throw new Error('transaction closed before it opened');
      }),
    ]);
    this.openTx = { tx, end, done };
    if (modes) {
      try {
        await tx.exec(`SET TRANSACTION ${modes}`);
      } catch (err) {
        await this.finish('rollback');
        throw err;
      }
    }
    return { rows: [], rowCount: null };
  }

  private async finish(action: 'commit' | 'rollback'): Promise<PgQueryResult & { command?: string }> {
    const open = this.openTx;
    if (!open) return { rows: [], rowCount: null }; // "no transaction in progress" is a warning
    this.openTx = undefined;
    open.end(action);
    try {
      await open.done;
    } catch (err) {
      // node-postgres reports COMMIT of a failed transaction as a ROLLBACK, without throwing.
      if (err instanceof TransactionAbortedError) return { rows: [], rowCount: null, command: 'ROLLBACK' };
      throw err;
    }
    return { rows: [], rowCount: null };
  }

  private async listen(ident: string): Promise<PgQueryResult> {
    const channel = channelName(ident);
    if (!this.unlisteners.has(channel)) {
      const onPayload = (payload: string) => {
        const msg: PgNotification = { channel, payload };
        this.emit('notification', msg);
      };
      const unsubscribe = await this.pg.listen(ident, onPayload, this.openTx?.tx);
      this.unlisteners.set(channel, () => unsubscribe());
    }
    return { rows: [], rowCount: null };
  }

  private async unlisten(ident: string): Promise<PgQueryResult> {
    const channels = ident === '*' ? [...this.unlisteners.keys()] : [channelName(ident)];
    for (const channel of channels) {
      const unsubscribe = this.unlisteners.get(channel);
      this.unlisteners.delete(channel);
      if (unsubscribe) await unsubscribe();
    }
    return { rows: [], rowCount: null };
  }

  release(_destroy?: boolean): void {
    if (this.released) return;
    this.released = true;
    // A virtual client is never reused: drop its transaction and subscriptions now.
    const open = this.openTx;
    this.openTx = undefined;
    open?.end('rollback');
    const cleanup = Promise.allSettled([open?.done, ...[...this.unlisteners.values()].map((u) => u())]);
    this.unlisteners.clear();
    this.pool.forget(this, cleanup);
  }
}

class PglitePool implements PgPool {
  /** Read by BullMQ: an in-process "connection" cannot drop silently, so long LISTEN blocks are safe. */
  readonly options = { keepAlive: true };
  readonly ready: Promise<void>;
  private readonly clients = new Set<PgliteClient>();
  private readonly cleanups = new Set<Promise<unknown>>();
  private readonly connectListeners = new Set<(client: PgPoolClient) => void>();
  private ended = false;

  constructor(
    readonly pg: PGlite,
    opts: PglitePoolOptions,
  ) {
    this.ready = this.init(opts.migrate ?? true);
    this.ready.catch(() => undefined); // surfaced by every query instead
  }

  get isEnded(): boolean {
    return this.ended;
  }

  private async init(migrate: boolean): Promise<void> {
    await this.pg.waitReady;
    // A raw pool gets no `search_path` from BullMQ (it only pins it on pools it builds itself),
    // and its runtime SQL is unqualified: set it on the one shared session. `public` stays
    // reachable for unqualified app SQL; the app's own tables live in schema `gridline`.
    await this.pg.exec(`SET search_path TO ${DEFAULT_SCHEMA}, public`);
    if (!migrate) return;
    // A raw pool also means `migrateOnConnect` is false (BullMQ would only check the schema and
    // throw SchemaMigrationRequiredError), so run BullMQ's own migrator on one of our clients.
    const client = new PgliteClient(this, this.pg, false);
    try {
      await runMigrations(client, DEFAULT_SCHEMA);
    } finally {
      client.release();
    }
  }

  private assertOpen(): void {
    if (this.ended) throw new Error('Cannot use a pool after calling end on the pool');
  }

  async query<R = any>(text: string, params?: readonly unknown[]): Promise<PgQueryResult<R>> {
    this.assertOpen();
    if (classify(text)) {
      // Transaction control or LISTEN on the pool itself: give it a client of its own, like pg.
      const client = await this.connect();
      try {
        return await client.query<R>(text, params);
      } finally {
        client.release();
      }
    }
    await this.ready;
    return run<R>(this.pg, text, params);
  }

  async connect(): Promise<PgPoolClient> {
    this.assertOpen();
    await this.ready;
    const client = new PgliteClient(this, this.pg);
    this.clients.add(client);
    for (const listener of this.connectListeners) listener(client);
    return client;
  }

  on(event: 'error', listener: (err: Error) => void): this;
  on(event: 'connect', listener: (client: PgPoolClient) => void): this;
  on(event: string, listener: (arg: never) => void): this {
    // No sockets, so never an 'error'. BullMQ adds an 'error' listener per backend and never
    // removes it from a pool it does not own: keeping them would leak on a shared pool.
    if (event === 'connect') this.connectListeners.add(listener as (client: PgPoolClient) => void);
    return this;
  }

  removeAllListeners(event?: string): this {
    if (event === undefined || event === 'connect') this.connectListeners.clear();
    return this;
  }

  forget(client: PgliteClient, cleanup: Promise<unknown>): void {
    this.clients.delete(client);
    this.cleanups.add(cleanup);
    void cleanup.finally(() => this.cleanups.delete(cleanup));
  }

  /** Releases every client still checked out; never closes the PGlite (its owner does). */
  async end(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    for (const client of [...this.clients]) client.release(true);
    await Promise.allSettled([...this.cleanups]);
  }
}

/** An in-process `pg.Pool` look-alike over one PGlite instance, for BullMQ's PostgreSQL backend. */
export function createPglitePool(pg: PGlite, opts: PglitePoolOptions = {}): PgPool {
  return new PglitePool(pg, opts);
}

const shared = new WeakMap<PGlite, PglitePool>();

/**
 * What to pass as `connection` with `createPostgresBackend`. One pool per PGlite, so migrations
 * run once and every Queue/Worker/QueueEvents shares it. BullMQ never ends a pool it was given.
 */
export function pgliteBackendConnection(pg: PGlite): PgPool {
  let pool = shared.get(pg);
  if (!pool || pool.isEnded) {
    pool = new PglitePool(pg, {});
    shared.set(pg, pool);
  }
  return pool;
}
