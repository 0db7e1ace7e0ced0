// The store. Every table lives in the `gridline` schema so that BullMQ's PostgreSQL backend
// (schema `bullmq`, search_path `bullmq, public`) can never shadow one of ours.
import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  pgSchema,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import {
  CATEGORIES,
  GRID_LEVELS,
  MATTER_LEVELS,
  MATTER_STATES,
  PLATFORMS,
  ROLES,
  SIZES,
  STEPS,
  type Attachment,
} from '../domain/types.js';

export const gridline = pgSchema('gridline');

export const gridLevel = gridline.enum('grid_level', GRID_LEVELS);
export const matterLevel = gridline.enum('matter_level', MATTER_LEVELS);
export const step = gridline.enum('step', STEPS);
export const matterState = gridline.enum('matter_state', MATTER_STATES);
export const category = gridline.enum('category', CATEGORIES);
export const size = gridline.enum('size', SIZES);
export const role = gridline.enum('role', ROLES);
export const platform = gridline.enum('platform', PLATFORMS);

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
const createdAt = () => ts('created_at').notNull().defaultNow();

/** The grid tree: county → township → village → unit grid → household. */
export const gridNodes = gridline.table(
  'grid_nodes',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    code: text('code').notNull(),
    name: text('name').notNull(),
    level: gridLevel('level').notNull(),
    /** A unit grid that is a 村民小组 is 'standard'; a school or enterprise is 'dedicated' (专属网格). */
    kind: text('kind').notNull().default('standard'),
    parentId: uuid('parent_id').references((): AnyPgColumn => gridNodes.id),
    /** Codes from the root down, joined by '/': subtree queries are a prefix match. */
    path: text('path').notNull(),
    timezone: text('timezone').notNull().default('Asia/Shanghai'),
    /** Printed on posters; `/start JOINCODE` registers a villager to this unit grid. */
    joinCode: text('join_code'),
    households: integer('households'),
    population: integer('population'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('grid_nodes_code_uq').on(t.code),
    uniqueIndex('grid_nodes_join_code_uq').on(t.joinCode),
    index('grid_nodes_parent_idx').on(t.parentId),
    index('grid_nodes_path_idx').on(t.path),
  ],
);

export const people = gridline.table(
  'people',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** The roster's key for this person; null for villagers who registered through a bot. */
    code: text('code'),
    name: text('name').notNull(),
    locale: text('locale').notNull().default('zh-CN'),
    /** Never logged. */
    phone: text('phone'),
    /** 有事请假: routing skips an officer on leave. */
    onLeave: boolean('on_leave').notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('people_code_uq').on(t.code)],
);

/** One person may be reachable on several platforms. */
export const identities = gridline.table(
  'identities',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    personId: uuid('person_id')
      .notNull()
      .references(() => people.id, { onDelete: 'cascade' }),
    platform: platform('platform').notNull(),
    externalId: text('external_id').notNull(),
    /** Where to write to this person (a Telegram chat id, a Slack DM channel); defaults to externalId. */
    chatId: text('chat_id'),
    /** Set when the platform says we may no longer write (the person blocked the bot). */
    unreachableAt: ts('unreachable_at'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('identities_platform_external_uq').on(t.platform, t.externalId),
    index('identities_person_idx').on(t.personId),
  ],
);

export const departments = gridline.table(
  'departments',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    code: text('code').notNull(),
    name: text('name').notNull(),
    /** The node the department serves (usually the county or a township). */
    gridNodeId: uuid('grid_node_id')
      .notNull()
      .references(() => gridNodes.id),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('departments_code_uq').on(t.code)],
);

/** A person's place in the tree. A liaison's role names the department. */
export const roles = gridline.table(
  'roles',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    personId: uuid('person_id')
      .notNull()
      .references(() => people.id, { onDelete: 'cascade' }),
    gridNodeId: uuid('grid_node_id')
      .notNull()
      .references(() => gridNodes.id),
    role: role('role').notNull(),
    departmentId: uuid('department_id').references(() => departments.id),
    /** Title shown with the name when the person answers (亮身份), e.g. 水川村第三组专职网格员. */
    title: text('title'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('roles_person_node_role_uq').on(t.personId, t.gridNodeId, t.role),
    index('roles_node_role_idx').on(t.gridNodeId, t.role),
  ],
);

/** Time limits as data, keyed by category, size and level. '*' matches any. */
export const timeLimits = gridline.table(
  'time_limits',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    category: text('category').notNull().default('*'),
    size: text('size').notNull().default('*'),
    level: text('level').notNull().default('*'),
    acceptMinutes: integer('accept_minutes').notNull(),
    replyMinutes: integer('reply_minutes').notNull(),
    settleMinutes: integer('settle_minutes').notNull(),
  },
  (t) => [uniqueIndex('time_limits_key_uq').on(t.category, t.size, t.level)],
);

export const matterRefSeq = gridline.sequence('matter_ref_seq', { startWith: 1 });

export const matters = gridline.table(
  'matters',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** Digits with a check digit, e.g. 0001-2342: easy to read aloud over the phone. */
    ref: text('ref').notNull(),
    category: category('category').notNull(),
    topic: text('topic').notNull().default('general'),
    size: size('size').notNull().default('small'),
    step: step('step').notNull(),
    state: matterState('state').notNull().default('open'),
    level: matterLevel('level').notNull().default('unit'),
    /** The villager's unit grid: where the matter belongs. */
    gridNodeId: uuid('grid_node_id')
      .notNull()
      .references(() => gridNodes.id),
    reporterId: uuid('reporter_id').references(() => people.id),
    /** Who recorded it when it is not the reporter (an officer on patrol, 发现). */
    recordedById: uuid('recorded_by_id').references(() => people.id),
    assigneeId: uuid('assignee_id').references(() => people.id),
    firstAssigneeId: uuid('first_assignee_id').references(() => people.id),
    summary: text('summary').notNull(),
    supervised: boolean('supervised').notNull().default(false),
    /** Source of the report: `${platform}:${event id}` for chats, `cli:${uuid}` for the CLI. */
    sourceEventId: text('source_event_id'),
    dueAt: ts('due_at'),
    discoveredAt: ts('discovered_at'),
    acceptedAt: ts('accepted_at'),
    dispatchedAt: ts('dispatched_at'),
    handledAt: ts('handled_at'),
    trackedAt: ts('tracked_at'),
    supervisedAt: ts('supervised_at'),
    feedbackAt: ts('feedback_at'),
    evaluatedAt: ts('evaluated_at'),
    createdAt: createdAt(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('matters_ref_uq').on(t.ref),
    uniqueIndex('matters_source_event_uq').on(t.sourceEventId),
    index('matters_assignee_open_idx').on(t.assigneeId).where(sql`${t.state} = 'open'`),
    index('matters_grid_idx').on(t.gridNodeId, t.createdAt),
    index('matters_reporter_idx').on(t.reporterId, t.createdAt),
  ],
);

/** 一本工作簿: the append-only log of everything that happened to a matter. */
export const matterEvents = gridline.table(
  'matter_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    matterId: uuid('matter_id')
      .notNull()
      .references(() => matters.id),
    at: ts('at').notNull().defaultNow(),
    /** Null when the system acted (routing, timers). */
    actorId: uuid('actor_id').references(() => people.id),
    action: text('action').notNull(),
    stepFrom: step('step_from'),
    stepTo: step('step_to'),
    levelFrom: matterLevel('level_from'),
    levelTo: matterLevel('level_to'),
    assigneeId: uuid('assignee_id').references(() => people.id),
    note: text('note'),
    data: jsonb('data').$type<Record<string, unknown>>(),
  },
  (t) => [index('matter_events_matter_idx').on(t.matterId, t.id), index('matter_events_at_idx').on(t.at)],
);

/** What was said on a matter, both ways, with platform file references. */
export const messages = gridline.table(
  'messages',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    matterId: uuid('matter_id')
      .notNull()
      .references(() => matters.id),
    authorId: uuid('author_id').references(() => people.id),
    /** in: from the villager; out: to the villager; internal: staff only. */
    direction: text('direction').notNull(),
    text: text('text'),
    attachments: jsonb('attachments').$type<Attachment[]>().notNull().default([]),
    platform: platform('platform'),
    /** The platform's id of the message, to follow edits. */
    platformMessageId: text('platform_message_id'),
    editedAt: ts('edited_at'),
    createdAt: createdAt(),
  },
  (t) => [index('messages_matter_idx').on(t.matterId, t.createdAt)],
);

/** Inbound event ids already handled: the same delivery twice makes one matter. */
export const processedEvents = gridline.table('processed_events', {
  id: text('id').primaryKey(),
  matterId: uuid('matter_id'),
  at: ts('at').notNull().defaultNow(),
});

/**
 * Notifications to people. The text is rendered when sent, in the recipient's language, from a
 * locale key and its parameters.
 */
export const deliveries = gridline.table(
  'deliveries',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    personId: uuid('person_id')
      .notNull()
      .references(() => people.id),
    matterId: uuid('matter_id').references(() => matters.id),
    template: text('template').notNull(),
    params: jsonb('params').$type<Record<string, unknown>>().notNull().default({}),
    /** pending → sending → sent | unreachable | failed; sending → pending when an attempt fails. */
    status: text('status').notNull().default('pending'),
    /** The job that is sending it, so a duplicate job never sends the same delivery at once. */
    claimedBy: text('claimed_by'),
    claimedAt: ts('claimed_at'),
    channel: text('channel'),
    attempts: integer('attempts').notNull().default(0),
    error: text('error'),
    sentAt: ts('sent_at'),
    createdAt: createdAt(),
  },
  (t) => [index('deliveries_matter_idx').on(t.matterId), index('deliveries_status_idx').on(t.status)],
);

/**
 * The outbox: jobs written in the same transaction as the state change that causes them, relayed
 * to the queue after commit. A Redis blip delays them; it never loses them.
 */
export const outbox = gridline.table(
  'outbox',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    queue: text('queue').notNull(),
    job: text('job').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    /** Run no earlier than this (delayed jobs). */
    runAt: ts('run_at'),
    relayedAt: ts('relayed_at'),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    createdAt: createdAt(),
  },
  (t) => [index('outbox_pending_idx').on(t.id).where(sql`${t.relayedAt} is null`)],
);

/** Where a person stands in a conversation flow, so a restart resumes it. */
export const flowStates = gridline.table(
  'flow_states',
  {
    platform: platform('platform').notNull(),
    externalId: text('external_id').notNull(),
    flow: text('flow').notNull(),
    stepName: text('step_name').notNull(),
    data: jsonb('data').$type<Record<string, unknown>>().notNull().default({}),
    expiresAt: ts('expires_at'),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.platform, t.externalId] })],
);

/** Roster FAQ entries for 咨询. */
export const faqEntries = gridline.table(
  'faq_entries',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    code: text('code').notNull(),
    question: text('question').notNull(),
    answer: text('answer').notNull(),
    keywords: jsonb('keywords').$type<string[]>().notNull().default([]),
  },
  (t) => [uniqueIndex('faq_entries_code_uq').on(t.code)],
);
