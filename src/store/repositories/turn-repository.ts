// The chat turn's own statements (chat-service.ts): a turn is the hottest path of the service (a
// report is six of them), so what it reads and writes goes in as few statements as it can, each a
// fixed text run prepared (store/prepared-client.ts: parsed once per connection, then one round trip a
// run), none built by the query builder.
// Three for a turn that changes nothing else: its start (the update recorded, the person's
// conversation locked), what it needs to know (person, roles, identity, place in the flow, what
// waits for them), and its end (the new place, the answers and their send jobs).
import { getTableColumns, sql, type SQL } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import type { Platform } from '../../domain/types.js';
import type { OutboxJob } from '../../ports/jobs.js';
import type { Executor } from '../db.js';
import { queryRows } from '../raw.js';
import { flowStates, gridNodes, people } from '../schema.js';
import type { NewChatOutput } from './delivery-repository.js';
import { chatOutputKey } from './delivery-repository.js';
import type { FlowStateRow } from './flow-repository.js';
import type { GridNodeRow, PersonRow, Placement } from './people-repository.js';
import { WINDOW_HELD, WINDOW_WAITING } from './window-repository.js';

/** `alias."column" as "prefix.column"`, for every column of the table. */
function selectList(table: PgTable, alias: string, prefix: string): string {
  return Object.values(getTableColumns(table))
    .map((c) => `${alias}."${c.name}" as "${prefix}${c.name}"`)
    .join(', ');
}

/** A table's row from a raw row read with selectList, mapped as Drizzle maps it (times, JSON); undefined when its key is null (a left join found none). */
function rowOf<T>(table: PgTable, raw: Record<string, unknown>, prefix: string, key: string): T | undefined {
  if (raw[`${prefix}${key}`] === null || raw[`${prefix}${key}`] === undefined) return undefined;
  const out: Record<string, unknown> = {};
  for (const [field, column] of Object.entries(getTableColumns(table))) {
    const v = raw[`${prefix}${column.name}`];
    out[field] = v === null || v === undefined ? null : column.mapFromDriverValue(v);
  }
  return out as T;
}

/**
 * The turn's first statement: the inbox row marked handled (when there is one) and the update's
 * event id recorded; when it was not recorded before (and `lockKey` is given), the person's
 * conversation is locked for the rest of the transaction (see flow-repository's lockConversation).
 * True when the event was new. A redelivered update locks nothing and changes nothing.
 */
export async function startTurn(db: Executor, o: { inboxId: string | null; eventId: string; at: Date; lockKey: string | null }): Promise<boolean> {
  const handled = o.inboxId ? sql`handled as (update gridline.inbox set status = 'handled', done_at = ${o.at.toISOString()}::timestamptz where id = ${o.inboxId} and status = 'pending'), ` : sql``;
  const lock = o.lockKey ? sql`, pg_advisory_xact_lock(hashtext(${o.lockKey}))::text as locked` : sql``;
  const rows = await queryRows<{ id: string }>(db, sql`with ${handled}recorded as (insert into gridline.processed_events (id, matter_id) values (${o.eventId}, null) on conflict do nothing returning id) select id${lock} from recorded`);
  return rows.length === 1;
}

export interface TurnIdentity {
  personId: string;
  lastSeenAt: Date | null;
  unreachableAt: Date | null;
  /** Another identity of the person was written from as late or later (a switch of platform). */
  overtaken: boolean;
}

export interface TurnStart {
  /** The person behind the identity, with every role they hold (senderByIdentity's answer). */
  sender: { person: PersonRow; placements: Placement[] } | undefined;
  identity: TurnIdentity | undefined;
  flowState: FlowStateRow | undefined;
  /** Rows held for a closed sending window in the person's queue or `chatQueue` (releaseHeld has work). */
  held: boolean;
  /** Broadcast copies waiting for the person to write (releaseWaitingCopies has work). */
  waitingCopies: boolean;
  /**
   * How long (ms) the earliest update of theirs admitted before this one, and still waiting to be
   * handled, has waited; null when none admitted within the last IN_ORDER_WINDOW_S does.
   */
  behindMs: number | null;
}

/** An update of the person's admitted longer ago than this and still waiting is stuck (retrying after a failure): later ones no longer wait for it. */
export const IN_ORDER_WINDOW_S = 30;

const FLOW = 'f.';
const PERSON = 'p.';
const NODE = 'n.';
const READ_COLUMNS = [selectList(flowStates, 'f', FLOW), selectList(people, 'p', PERSON), 'r.role as "r.role"', 'r.title as "r.title"', selectList(gridNodes, 'n', NODE)].join(', ');

/**
 * Everything a turn reads before the flow runs, in one statement: the person behind the identity
 * with their roles and places, the identity's last-seen and reachability (so an unchanged one is
 * not written), the person's place in a flow, and whether anything waits for them to write
 * (`chatQueue`: their private chat's queue, where a conversation's answers may be held).
 * Run after startTurn: it sees what a turn of theirs committed before this one took the lock.
 * With `inboxId` (this update's row), it also says whether an earlier update of the same
 * conversation still waits (`behindMs`): the turn then waits its turn (chat-service.ts).
 */
export async function loadTurn(db: Executor, platform: Platform, externalId: string, chatQueue: string | null, inboxId: string | null = null): Promise<TurnStart> {
  // The person's earlier updates still waiting (inbox_conversation_pending_idx): pending rows of the
  // same conversation as this update's row, admitted before it (by seq), within the window; their
  // age by the database's clock.
  const behind = inboxId
    ? sql`(select (extract(epoch from (now() - min(e.received_at))) * 1000)::int from gridline.inbox m join gridline.inbox e on e.conversation = m.conversation and e.seq < m.seq where m.id = ${inboxId} and e.status = 'pending' and e.received_at > now() - interval '${sql.raw(String(IN_ORDER_WINDOW_S))} seconds')`
    : sql`null::int`;
  const rows = await queryRows<Record<string, unknown>>(db, sql`select ${sql.raw(READ_COLUMNS)}, i.person_id as "i.person_id", i.last_seen_at as "i.last_seen_at", i.unreachable_at as "i.unreachable_at", x.held, x.waiting, x.overtaken, ${behind} as behind_ms
from (select 1) as one
left join gridline.flow_states f on f.platform = ${platform} and f.external_id = ${externalId}
left join gridline.identities i on i.platform = ${platform} and i.external_id = ${externalId}
left join gridline.people p on p.id = i.person_id
left join gridline.roles r on r.person_id = p.id
left join gridline.grid_nodes n on n.id = r.grid_node_id
cross join lateral (select
  exists (select 1 from gridline.deliveries d where d.status = ${WINDOW_HELD} and (d.recipient = ${chatQueue}::text or d.recipient = 'person:' || i.person_id)) as held,
  (i.person_id is not null and exists (select 1 from gridline.deliveries d where d.status = ${WINDOW_WAITING} and d.recipient = 'person:' || i.person_id)) as waiting,
  (i.last_seen_at is not null and exists (select 1 from gridline.identities o where o.person_id = i.person_id and o.id <> i.id and o.last_seen_at >= i.last_seen_at)) as overtaken
) as x`,
  );
  const first = rows[0]!;
  const person = rowOf<PersonRow>(people, first, PERSON, 'id');
  const flowState = rowOf<FlowStateRow>(flowStates, first, FLOW, 'platform');
  const time = (v: unknown) => (v === null || v === undefined ? null : v instanceof Date ? v : new Date(String(v)));
  const personId = first['i.person_id'] as string | null;
  return {
    sender: person && {
      person,
      placements: rows.filter((r) => r['r.role'] && r[`${NODE}id`]).map((r) => ({ role: r['r.role'] as Placement['role'], title: (r['r.title'] as string | null) ?? null, node: rowOf<GridNodeRow>(gridNodes, r, NODE, 'id')! })),
    },
    identity: personId ? { personId, lastSeenAt: time(first['i.last_seen_at']), unreachableAt: time(first['i.unreachable_at']), overtaken: bool(first.overtaken) } : undefined,
    flowState,
    held: bool(first.held),
    waitingCopies: bool(first.waiting),
    behindMs: first.behind_ms === null || first.behind_ms === undefined ? null : Math.max(0, Number(first.behind_ms)),
  };
}

/** postgres-js and PGlite both give booleans; a text 't' is taken too. */
const bool = (v: unknown) => v === true || v === 't' || v === 'true';

export type FlowStateWrite =
  | { kind: 'save'; row: Pick<FlowStateRow, 'platform' | 'externalId' | 'flow' | 'stepName' | 'data' | 'expiresAt' | 'chatId' | 'token' | 'locale' | 'updatedAt'> }
  | { kind: 'clear'; platform: Platform; externalId: string };

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

/**
 * The turn's end in one statement: the person's new place in the flow (or none), the
 * conversation's outputs in the order given (createChatOutputs' rows) and the outbox rows for
 * their send jobs (enqueue's). Nothing to write: no statement.
 */
export async function endTurn(db: Executor, o: { flowState: FlowStateWrite | null; outputs: NewChatOutput[]; jobs: readonly OutboxJob[] }): Promise<void> {
  const parts: SQL[] = [];
  const f = o.flowState;
  if (f?.kind === 'save') {
    const r = f.row;
    parts.push(
      sql`insert into gridline.flow_states (platform, external_id, flow, step_name, data, expires_at, updated_at, chat_id, token, locale) values (${r.platform}, ${r.externalId}, ${r.flow}, ${r.stepName}, ${JSON.stringify(r.data ?? {})}::jsonb, ${iso(r.expiresAt)}::timestamptz, ${iso(r.updatedAt)}::timestamptz, ${r.chatId}, ${r.token}, ${r.locale}) on conflict (platform, external_id) do update set flow = excluded.flow, step_name = excluded.step_name, data = excluded.data, expires_at = excluded.expires_at, updated_at = excluded.updated_at, chat_id = excluded.chat_id, token = excluded.token, locale = excluded.locale`,
    );
  } else if (f?.kind === 'clear') {
    parts.push(sql`delete from gridline.flow_states where platform = ${f.platform} and external_id = ${f.externalId}`);
  }
  if (o.outputs.length) {
    const values = o.outputs.map(
      (r) => sql`(${r.id}::uuid, ${chatOutputKey(r)}, 'chat', ${JSON.stringify(r.output)}::jsonb, ${r.platform}, ${r.chatId}, ${r.userId}, ${r.eventId})`,
    );
    parts.push(sql`insert into gridline.deliveries (id, recipient, template, output, chat_platform, chat_id, user_id, event_id) values ${sql.join(values, sql`, `)}`);
  }
  if (o.jobs.length) {
    const values = o.jobs.map((j) => sql`(${j.queue}, ${j.job}, ${JSON.stringify(j.payload)}::jsonb, ${iso(j.runAt)}::timestamptz)`);
    parts.push(sql`insert into gridline.outbox (queue, job, payload, run_at) values ${sql.join(values, sql`, `)}`);
  }
  if (!parts.length) return;
  const last = parts.pop()!;
  // Independent writes to different tables: one statement, the others as its CTEs.
  const ctes = parts.map((p, i) => sql`${sql.raw(`w${i}`)} as (${p})`);
  await db.execute(ctes.length ? sql`with ${sql.join(ctes, sql`, `)} ${last}` : last);
}
