// 民情帐 as a file: a node's matters and their events for a period, read in batches from a cursor
// (postgres-js) or by keyset pages (PGlite), so a year of a county never sits in memory at once.
// Times come back as text in the node's zone; the same SQL runs on Postgres 15 and on PGlite.
import { sql, type SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type { Db } from '../db.js';
import { queryRows } from '../raw.js';
import { gridNodes, matterEvents, matters, people } from '../schema.js';

export interface LedgerScope {
  /** The node's path: the node and every node below it. */
  path: string;
  /** Zone the dates are read in and the times written in. */
  timezone: string;
  /** Reported on or after this day (YYYY-MM-DD), in `timezone`. */
  from?: string;
  /** Reported on or before this day (YYYY-MM-DD, the whole day). */
  to?: string;
  /** Matters open past their due time at this moment are overdue. */
  now: Date;
  /** Carry the reporter's phone (decided by the caller's rights; never selected otherwise). */
  phones: boolean;
}

export interface LedgerMatterRow extends Record<string, unknown> {
  ref: string;
  reportedAt: string;
  gridCode: string;
  gridName: string;
  category: string;
  topic: string;
  size: string;
  state: string;
  level: string;
  step: string;
  supervised: boolean;
  urgent: boolean;
  overdue: boolean;
  reporter: string | null;
  /** Only present when the scope carries phones. */
  reporterPhone?: string | null;
  assignee: string | null;
  dueAt: string | null;
  acceptedAt: string | null;
  settledAt: string | null;
  rating: string | null;
  summary: string;
}

export interface LedgerEventRow extends Record<string, unknown> {
  ref: string;
  at: string;
  action: string;
  actor: string | null;
  stepFrom: string | null;
  stepTo: string | null;
  levelFrom: string | null;
  levelTo: string | null;
  assignee: string | null;
  note: string | null;
}

/** Rows a batch holds (one cursor fetch, one keyset page). */
export const LEDGER_BATCH = 1000;

const local = (column: SQL, tz: string) => sql`to_char(${column} at time zone ${tz}, 'YYYY-MM-DD HH24:MI')`;

function scopeWhere(scope: LedgerScope): SQL {
  const where: SQL[] = [sql`(g.path = ${scope.path} or starts_with(g.path, ${`${scope.path}/`}))`];
  if (scope.from) where.push(sql`m.created_at >= ((${scope.from}::date)::timestamp at time zone ${scope.timezone})`);
  if (scope.to) where.push(sql`m.created_at < ((${scope.to}::date + 1)::timestamp at time zone ${scope.timezone})`);
  return sql.join(where, sql` and `);
}

function mattersQuery(scope: LedgerScope, after: { at: string; id: string } | null, limit: number | null): SQL {
  const tz = scope.timezone;
  const keyset = after ? sql` and (m.created_at, m.id) > (${after.at}::timestamptz, ${after.id}::uuid)` : sql``;
  return sql`select m.id as "id", m.created_at::text as "keyAt", m.ref as "ref",
      ${local(sql`m.created_at`, tz)} as "reportedAt",
      g.code as "gridCode", g.name as "gridName",
      m.category::text as "category", m.topic as "topic", m.size::text as "size", m.state::text as "state",
      m.level::text as "level", m.step::text as "step", m.supervised as "supervised", m.urgent as "urgent",
      (m.state = 'open' and m.due_at is not null and m.due_at < ${scope.now.toISOString()}::timestamptz) as "overdue",
      r.name as "reporter", ${scope.phones ? sql`r.phone as "reporterPhone",` : sql``}
      a.name as "assignee",
      ${local(sql`m.due_at`, tz)} as "dueAt", ${local(sql`m.accepted_at`, tz)} as "acceptedAt",
      ${local(sql`x.settled_at`, tz)} as "settledAt", x.rating as "rating",
      m.summary as "summary"
    from ${matters} m
    join ${gridNodes} g on g.id = m.grid_node_id
    left join ${people} r on r.id = m.reporter_id
    left join ${people} a on a.id = m.assignee_id
    left join lateral (
      select max(e.at) filter (where e.action = 'settle') as settled_at,
             (array_agg(e.data->>'rating' order by e.id desc) filter (where e.action = 'evaluate'))[1] as rating
      from ${matterEvents} e where e.matter_id = m.id
    ) x on true
    where ${scopeWhere(scope)}${keyset}
    order by m.created_at, m.id
    ${limit ? sql`limit ${limit}` : sql``}`;
}

function eventsQuery(scope: LedgerScope, afterId: number | null, limit: number | null): SQL {
  const tz = scope.timezone;
  const keyset = afterId !== null ? sql` and e.id > ${afterId}` : sql``;
  return sql`select e.id::text as "id", m.ref as "ref", ${local(sql`e.at`, tz)} as "at", e.action as "action",
      p.name as "actor", e.step_from::text as "stepFrom", e.step_to::text as "stepTo",
      e.level_from::text as "levelFrom", e.level_to::text as "levelTo", asg.name as "assignee", e.note as "note"
    from ${matterEvents} e
    join ${matters} m on m.id = e.matter_id
    join ${gridNodes} g on g.id = m.grid_node_id
    left join ${people} p on p.id = e.actor_id
    left join ${people} asg on asg.id = e.assignee_id
    where ${scopeWhere(scope)}${keyset}
    order by e.id
    ${limit ? sql`limit ${limit}` : sql``}`;
}

/** A postgres-js client (what drizzle's postgres-js driver keeps as `$client`), or null on PGlite. */
interface CursorClient {
  unsafe(query: string, params: unknown[]): { cursor(rows: number): AsyncIterable<Record<string, unknown>[]> };
}
function cursorClient(db: Db): CursorClient | null {
  const client = (db as unknown as { $client?: unknown }).$client;
  return typeof client === 'function' && typeof (client as { unsafe?: unknown }).unsafe === 'function' ? (client as unknown as CursorClient) : null;
}

const dialect = new PgDialect();

/** Batches of the query's rows through a server-side cursor (one connection held while it is read). */
async function* viaCursor<T>(client: CursorClient, query: SQL, batch: number): AsyncGenerator<T[]> {
  const { sql: text, params } = dialect.sqlToQuery(query);
  for await (const rows of client.unsafe(text, params as unknown[]).cursor(batch)) yield rows as T[];
}

const strip = <T extends Record<string, unknown>>(row: Record<string, unknown>): T => {
  const { id: _id, keyAt: _keyAt, ...rest } = row;
  return rest as T;
};

/** The scope's matters, oldest report first, in batches of at most `batch`. */
export async function* ledgerMatters(db: Db, scope: LedgerScope, batch = LEDGER_BATCH): AsyncGenerator<LedgerMatterRow[]> {
  const client = cursorClient(db);
  if (client) {
    for await (const rows of viaCursor<Record<string, unknown>>(client, mattersQuery(scope, null, null), batch)) yield rows.map((r) => strip<LedgerMatterRow>(r));
    return;
  }
  let after: { at: string; id: string } | null = null;
  for (;;) {
    const rows: Record<string, unknown>[] = await queryRows<Record<string, unknown>>(db, mattersQuery(scope, after, batch));
    if (!rows.length) return;
    const last: Record<string, unknown> = rows[rows.length - 1]!;
    after = { at: String(last.keyAt), id: String(last.id) };
    yield rows.map((r) => strip<LedgerMatterRow>(r));
    if (rows.length < batch) return;
  }
}

/** The events of the scope's matters, in the log's order, in batches of at most `batch`. */
export async function* ledgerEvents(db: Db, scope: LedgerScope, batch = LEDGER_BATCH): AsyncGenerator<LedgerEventRow[]> {
  const client = cursorClient(db);
  if (client) {
    for await (const rows of viaCursor<Record<string, unknown>>(client, eventsQuery(scope, null, null), batch)) yield rows.map((r) => strip<LedgerEventRow>(r));
    return;
  }
  let afterId: number | null = null;
  for (;;) {
    const rows: Record<string, unknown>[] = await queryRows<Record<string, unknown>>(db, eventsQuery(scope, afterId, batch));
    if (!rows.length) return;
    afterId = Number(rows[rows.length - 1]!.id);
    yield rows.map((r) => strip<LedgerEventRow>(r));
    if (rows.length < batch) return;
  }
}
