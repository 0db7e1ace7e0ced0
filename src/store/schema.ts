// The store. Every table lives in the `gridline` schema so that BullMQ's PostgreSQL backend
// (schema `bullmq`, search_path `bullmq, public`) can never shadow one of ours.
import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  bigint,
  bigserial,
  boolean,
  check,
  doublePrecision,
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
  ROLES,
  SIZES,
  STEPS,
  type Attachment,
  type Platform,
} from '../domain/types.js';
import type { EventKind } from '../domain/lifecycle.js';

export const gridline = pgSchema('gridline');

export const gridLevel = gridline.enum('grid_level', GRID_LEVELS);
export const matterLevel = gridline.enum('matter_level', MATTER_LEVELS);
export const step = gridline.enum('step', STEPS);
export const matterState = gridline.enum('matter_state', MATTER_STATES);
export const category = gridline.enum('category', CATEGORIES);
export const size = gridline.enum('size', SIZES);
export const role = gridline.enum('role', ROLES);
/** A platform's name, as text: the adapters check it at the edges, so a new one needs no migration. */
const platform = (name: string) => text(name).$type<Platform>();

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
    /** Cadre alerts go to this Telegram group and/or Slack channel; with neither, to the cadres' DMs. */
    alertTelegramChat: text('alert_telegram_chat'),
    alertSlackChannel: text('alert_slack_channel'),
    /** DM the cadres too; null: only when no group is named. */
    alertDm: boolean('alert_dm'),
    /** Language of what is posted to the group. */
    alertLocale: text('alert_locale').notNull().default('zh-CN'),
    /** Cadres' quiet hours, local 'HH:MM' in `timezone`; equal values mean none. */
    quietFrom: text('quiet_from').notNull().default('22:00'),
    quietTo: text('quiet_to').notNull().default('07:00'),
    /** Roles held at this node whose ledger export carries residents' phones (roster `phone_access`); see mayReadResidentPhones. */
    phoneRoles: text('phone_roles').array(),
    /** A broadcast to more people than this waits for a second cadre (roster `broadcast_approval_size`, inherited); null: 500. */
    broadcastApprovalSize: integer('broadcast_approval_size'),
    /** 回访 (roster `follow_up`, inherited): days after settlement; null: 3. */
    followUpDays: integer('follow_up_days'),
    /** Which outcomes get one (unrated, unsatisfied, basically_satisfied, satisfied); null: unrated and unsatisfied. */
    followUpOutcomes: text('follow_up_outcomes').array(),
    /** Whether the villager is asked once how it is now; null: yes. */
    followUpAsk: boolean('follow_up_ask'),
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
    /** The zone times are shown to this person in (IANA name); null: their grid's, else the service's. */
    timezone: text('timezone'),
    /** Never logged. */
    phone: text('phone'),
    /** 有事请假: routing skips an officer on leave. */
    onLeave: boolean('on_leave').notNull().default(false),
    /** The platform this person chose to be reached on (/reach); null: the one they last wrote from. */
    preferredPlatform: platform('preferred_platform'),
    /** Set by /stop: no more broadcasts (通知) until /start; a person's own matters still reach them. */
    broadcastsStoppedAt: ts('broadcasts_stopped_at'),
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
    /** When this person last wrote to us from here (to a minute): they are reached where they last were. */
    lastSeenAt: ts('last_seen_at'),
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
    /** 部门报到: minutes a summoned department has to report in (roster: department, then roster-wide). */
    reportInMinutes: integer('report_in_minutes').notNull().default(30),
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

/**
 * The last reference number handed out. Taken and raised inside the intake transaction, so numbers
 * have no gaps: a rolled-back report gives its number back. One row per scope ('matters').
 */
export const refCounters = gridline.table('ref_counters', {
  scope: text('scope').primaryKey(),
  last: bigint('last', { mode: 'number' }).notNull(),
});

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
    /** A hazard marked urgent alerts cadres at once, even in their quiet hours. */
    urgent: boolean('urgent').notNull().default(false),
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
    // Routing's tie-break: when each officer was last handed a new matter.
    index('matters_first_assignee_idx').on(t.firstAssigneeId, t.dispatchedAt),
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
    action: text('action').$type<EventKind>().notNull(),
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
 * What the platforms handed us, committed before they are told "received": the one durable copy
 * of what a person said until it is handled. Keyed by the platform's own id (a Telegram update per
 * bot, a Slack event, interaction or view), so a redelivery adds nothing. Redis only carries the
 * job that works it; a row still pending is queued again by the reconciler.
 */
export const inbox = gridline.table(
  'inbox',
  {
    id: text('id').primaryKey(),
    platform: platform('platform').notNull(),
    /** The queue that works it (chat). */
    queue: text('queue').notNull(),
    /** The normalised update (a ChatUpdate); null when it could not be stored as given. */
    payload: jsonb('payload').$type<Record<string, unknown>>(),
    /** pending → handled | failed. */
    status: text('status').notNull().default('pending'),
    /** Redacted: what kind of update it was and the name of the error that stopped it; never text. */
    summary: jsonb('summary').$type<{ kind?: string; error?: string; attempts?: number }>(),
    receivedAt: ts('received_at').notNull().defaultNow(),
    doneAt: ts('done_at'),
    /**
     * Whose conversation it continues (the turn's lock key, flow-repository's conversationLockKey);
     * null for an update from no one. A person's updates are handled in the order admitted (`seq`).
     */
    conversation: text('conversation'),
    /** The order rows were admitted in (several in one statement share a received_at). */
    seq: bigserial('seq', { mode: 'number' }).notNull(),
  },
  (t) => [
    index('inbox_pending_idx').on(t.receivedAt).where(sql`${t.status} = 'pending'`),
    // A turn asks whether the same person has an earlier update still waiting (turn-repository's loadTurn).
    index('inbox_conversation_pending_idx').on(t.conversation, t.seq).where(sql`${t.status} = 'pending'`),
    index('inbox_failed_idx').on(t.receivedAt).where(sql`${t.status} = 'failed'`),
    // The retention sweep deletes handled rows done before its cut-off; without this it reads the whole table.
    index('inbox_handled_idx').on(t.doneAt).where(sql`${t.status} = 'handled'`),
  ],
);

/**
 * A platform's reading position (WeCom's kf/sync_msg cursor), written in the same transaction as
 * the inbox rows of the page it follows: it never moves past what was not committed. Keyed by the
 * adapter (`wecom:kf:<open_kfid>`); compared and set, so two processes reading one page store it once.
 */
export const platformCursors = gridline.table('platform_cursors', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

/**
 * Every message to send, in one queue per recipient: notifications (a locale key and its
 * parameters, rendered when sent in the recipient's language) and what the bot says in a
 * conversation (`output`, already in the person's language). The send job sends a recipient's
 * rows in written order (`seq`); a row is sent by one job only (its claim).
 */
export const deliveries = gridline.table(
  'deliveries',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** The queue it waits in: 'person:<id>' or 'chat:<platform>:<chatId>' (see recipientKey). */
    recipient: text('recipient').notNull(),
    /** Written order within a recipient's queue. */
    seq: bigserial('seq', { mode: 'number' }).notNull(),
    /** Null for a delivery to a group chat (chatPlatform + chatId). */
    personId: uuid('person_id').references(() => people.id),
    matterId: uuid('matter_id').references(() => matters.id),
    /** The notification's locale key ('chat' for a conversation's output). */
    template: text('template').notNull(),
    params: jsonb('params').$type<Record<string, unknown>>().notNull().default({}),
    /** Set for a conversation's output (an OutboundMessage, src/ports/channel.ts), already in the person's language; null for a notification. */
    output: jsonb('output').$type<Record<string, unknown>>(),
    /** pending → sending → sent | unreachable | failed; sending → pending when an attempt fails; pending → superseded (a receipt replaced by a fuller one); held → digested; sending → window_held (a sending window is closed) → merged (gone out in one message when the person wrote again, services/send-window.ts); sending → stopped (a broadcast's copy to someone who said /stop since). */
    status: text('status').notNull().default('pending'),
    /** The job that is sending it, so a duplicate job never sends the same delivery at once. */
    claimedBy: text('claimed_by'),
    claimedAt: ts('claimed_at'),
    channel: text('channel'),
    attempts: integer('attempts').notNull().default(0),
    error: text('error'),
    sentAt: ts('sent_at'),
    createdAt: createdAt(),
    /** Not sent before this (a receipt that waits for routing): it joins the queue then. Null: at once. */
    dueAt: ts('due_at'),
    /** The platform asked us to wait (429) until then: the rows after it wait too. */
    retryAt: ts('retry_at'),
    /** A group destination (a Telegram group, a Slack channel), or the chat a conversation's output goes to. */
    chatPlatform: platform('chat_platform'),
    chatId: text('chat_id'),
    /** A conversation's output: the platform user it answers (marked unreachable when refused) and the update. */
    userId: text('user_id'),
    eventId: text('event_id'),
    /** The platform's id of the message sent. */
    messageRef: text('message_ref'),
    /** For cadre alerts: the node alerted. A 'held' alert waits for that node's morning digest. */
    gridNodeId: uuid('grid_node_id').references(() => gridNodes.id),
    /** A broadcast's copy for one person: sent after the matters' messages in the same queue, never in their quiet hours. */
    broadcastId: uuid('broadcast_id').references((): AnyPgColumn => broadcasts.id),
  },
  (t) => [
    index('deliveries_matter_idx').on(t.matterId),
    uniqueIndex('deliveries_broadcast_person_uq').on(t.broadcastId, t.personId),
    index('deliveries_status_idx').on(t.status),
    index('deliveries_queue_idx').on(t.recipient, t.seq).where(sql`${t.status} in ('pending', 'sending')`),
    index('deliveries_held_idx').on(t.gridNodeId).where(sql`${t.status} = 'held'`),
    // What waits for a person to write again (a closed sending window), taken when they do.
    index('deliveries_window_held_idx').on(t.recipient, t.seq).where(sql`${t.status} = 'window_held'`),
    // How many messages went to a person since they last wrote: counted before each send to someone under a window.
    index('deliveries_sent_to_idx').on(t.recipient, t.sentAt).where(sql`${t.status} = 'sent'`),
    check('deliveries_target_ck', sql`${t.personId} is not null or (${t.chatPlatform} is not null and ${t.chatId} is not null)`),
  ],
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
    /** The chat the flow runs in (a private chat, or a group). */
    chatId: text('chat_id'),
    /** Changes with each step; a button carrying an older one is stale. */
    token: text('token'),
    /** The language chosen before the person is registered. */
    locale: text('locale'),
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

/** 答疑: a question the FAQ answered in chat; counted, the villager's words are not kept. */
export const faqAnswers = gridline.table(
  'faq_answers',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** The asker's unit grid (null: someone with none). */
    gridNodeId: uuid('grid_node_id').references(() => gridNodes.id),
    faqCode: text('faq_code').notNull(),
    answeredAt: ts('answered_at').notNull(),
    /** Set when the villager still wanted the officer: the consultation matter it became. */
    matterId: uuid('matter_id').references(() => matters.id),
  },
  (t) => [index('faq_answers_grid_idx').on(t.gridNodeId, t.answeredAt)],
);

/** 网格吹哨、部门报到: one department summoned on one matter, and what it did. */
export const summons = gridline.table(
  'summons',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    matterId: uuid('matter_id')
      .notNull()
      .references(() => matters.id),
    departmentId: uuid('department_id')
      .notNull()
      .references(() => departments.id),
    summonedAt: ts('summoned_at').notNull(),
    summonedById: uuid('summoned_by_id').references(() => people.id),
    reason: text('reason').notNull(),
    reportDueAt: ts('report_due_at').notNull(),
    reportedInAt: ts('reported_in_at'),
    reportedInById: uuid('reported_in_by_id').references(() => people.id),
    /** Reported in after reportDueAt (or not at all when the township was alerted). */
    late: boolean('late').notNull().default(false),
    /** When the township was alerted that the department had not reported in; at most once. */
    overdueAlertedAt: ts('overdue_alerted_at'),
    signedOffAt: ts('signed_off_at'),
    signedOffById: uuid('signed_off_by_id').references(() => people.id),
    signOffNote: text('sign_off_note'),
    /** 1–5, given by a township cadre once the department has signed off. */
    rating: integer('rating'),
    ratedById: uuid('rated_by_id').references(() => people.id),
    ratedAt: ts('rated_at'),
  },
  (t) => [
    index('summons_matter_idx').on(t.matterId),
    // One open summons per department and matter; a signed-off one may be summoned again.
    uniqueIndex('summons_open_uq').on(t.matterId, t.departmentId).where(sql`${t.signedOffAt} is null`),
    check('summons_rating_ck', sql`${t.rating} is null or ${t.rating} between 1 and 5`),
  ],
);

/** Daily runs done (evening sweep, morning digest) per node and local day: a job run twice sends once. */
export const alertRuns = gridline.table(
  'alert_runs',
  {
    kind: text('kind').notNull(),
    gridNodeId: uuid('grid_node_id')
      .notNull()
      .references(() => gridNodes.id),
    day: text('day').notNull(),
    at: ts('at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.kind, t.gridNodeId, t.day] })],
);

/** Matter cards posted to Slack, kept so they can be updated in place as the matter moves. */
export const slackCards = gridline.table(
  'slack_cards',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    matterId: uuid('matter_id')
      .notNull()
      .references(() => matters.id),
    /** Whose DM holds the card (their buttons); null in a grid node's channel. */
    personId: uuid('person_id').references(() => people.id),
    channel: text('channel').notNull(),
    ts: text('ts').notNull(),
    /** The notification that posted it (assigned, escalated, escalation_alert…). */
    template: text('template').notNull(),
    locale: text('locale').notNull().default('zh-CN'),
    createdAt: createdAt(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('slack_cards_channel_ts_uq').on(t.channel, t.ts), index('slack_cards_matter_idx').on(t.matterId)],
);

/** One-time codes that link a chat account to a person of the roster (one officer, two platforms). */
export const linkCodes = gridline.table('link_codes', {
  code: text('code').primaryKey(),
  personId: uuid('person_id')
    .notNull()
    .references(() => people.id, { onDelete: 'cascade' }),
  expiresAt: ts('expires_at').notNull(),
  usedAt: ts('used_at'),
  /** `${platform}:${external id}` that used it. */
  usedBy: text('used_by'),
  createdAt: createdAt(),
});

/** One-time sign-in links to the web desk, sent in chat; only the token's sha256 is kept. */
export const deskLinks = gridline.table('desk_links', {
  tokenHash: text('token_hash').primaryKey(),
  personId: uuid('person_id')
    .notNull()
    .references(() => people.id, { onDelete: 'cascade' }),
  expiresAt: ts('expires_at').notNull(),
  usedAt: ts('used_at'),
  createdAt: createdAt(),
});

/** Signed-in web desk sessions; the cookie carries a random token whose sha256 is kept here. Revoked rows stay revoked. */
export const deskSessions = gridline.table(
  'desk_sessions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tokenHash: text('token_hash').notNull(),
    personId: uuid('person_id')
      .notNull()
      .references(() => people.id, { onDelete: 'cascade' }),
    expiresAt: ts('expires_at').notNull(),
    revokedAt: ts('revoked_at'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('desk_sessions_token_uq').on(t.tokenHash), index('desk_sessions_person_idx').on(t.personId)],
);

/**
 * Chat messages that belong to a matter: the bot's cards and notices (a person answering one with
 * the platform's reply-to answers the matter) and a person's own messages that made up a report
 * (an edit of one is passed on to the officer).
 */
export const messageLinks = gridline.table(
  'message_links',
  {
    platform: platform('platform').notNull(),
    chatId: text('chat_id').notNull(),
    messageRef: text('message_ref').notNull(),
    matterId: uuid('matter_id')
      .notNull()
      .references(() => matters.id),
    /** Who it was sent to (a card) or who sent it (a report's message); null in a group. */
    personId: uuid('person_id').references(() => people.id),
    /** 'card': the bot sent it; 'report': the person did. */
    kind: text('kind').notNull(),
    deliveryId: uuid('delivery_id'),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.platform, t.chatId, t.messageRef] }), index('message_links_matter_idx').on(t.matterId)],
);

/**
 * Deadline clocks: one per matter and limit (accept, reply, settle). `version` names the live
 * timer job; a timer of another version, or for a clock no longer running, does nothing.
 */
export const deadlineClocks = gridline.table(
  'deadline_clocks',
  {
    matterId: uuid('matter_id')
      .notNull()
      .references(() => matters.id),
    /** accept | reply | settle */
    kind: text('kind').notNull(),
    /** running | paused | fired | stopped */
    status: text('status').notNull(),
    version: integer('version').notNull(),
    startedAt: ts('started_at').notNull(),
    /** Includes the time spent paused. */
    dueAt: ts('due_at').notNull(),
    warnAt: ts('warn_at').notNull(),
    pausedMs: bigint('paused_ms', { mode: 'number' }).notNull().default(0),
    pausedAt: ts('paused_at'),
    /** Where the matter stood when the timer was set. */
    step: step('step').notNull(),
    level: matterLevel('level').notNull(),
    assigneeId: uuid('assignee_id').references(() => people.id),
    warnedAt: ts('warned_at'),
    firedAt: ts('fired_at'),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.matterId, t.kind] }),
    index('deadline_clocks_live_idx').on(t.matterId).where(sql`${t.status} in ('running', 'paused')`),
    // What a tick looks for: running limits and warnings not yet given, by their time.
    index('deadline_clocks_due_idx').on(t.dueAt).where(sql`${t.status} = 'running'`),
    index('deadline_clocks_warn_idx').on(t.warnAt).where(sql`${t.status} = 'running' and ${t.warnedAt} is null`),
  ],
);

/** A matter waiting on the villager's answer: its clocks are paused while the row exists. */
export const matterPauses = gridline.table('matter_pauses', {
  matterId: uuid('matter_id')
    .primaryKey()
    .references(() => matters.id),
  pausedAt: ts('paused_at').notNull(),
  pausedById: uuid('paused_by_id').references(() => people.id),
});

/** 纠纷不过夜 per grid node (from the roster, inherited down the tree): a node without a row uses 20:00 / 09:00. */
export const disputeCutoffs = gridline.table('dispute_cutoffs', {
  gridNodeId: uuid('grid_node_id')
    .primaryKey()
    .references(() => gridNodes.id),
  /** Local 'HH:MM': a dispute reported later waits for the morning. */
  evening: text('evening').notNull(),
  /** Local 'HH:MM': when a dispute reported in the night is due. */
  morning: text('morning').notNull(),
});

/** 多网合一: the topic grids a matter may belong to, from the roster; offered in this order. */
export const topics = gridline.table(
  'topics',
  {
    code: text('code').primaryKey(),
    /** As the roster names it (data, like a node's name). */
    name: text('name').notNull(),
    position: integer('position').notNull().default(0),
  },
);

/** What a matter starts as, by category (and urgency): its size and topic. From the roster; '*' matches any. */
export const matterDefaults = gridline.table(
  'matter_defaults',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    category: text('category').notNull().default('*'),
    /** Null matches either. */
    urgent: boolean('urgent'),
    size: text('size'),
    topic: text('topic'),
    position: integer('position').notNull().default(0),
  },
);

/**
 * Rate budgets shared by every process on one database (the flood guard per person when the
 * queues are not on Redis): a GCRA bucket's theoretical arrival time, in ms on the database's clock.
 */
export const rateBuckets = gridline.table('rate_buckets', {
  key: text('key').primaryKey(),
  tat: doublePrecision('tat').notNull(),
  /** The wait the last reservation was given (ms): what an upsert can return. */
  waitMs: doublePrecision('wait_ms').notNull().default(0),
});

/**
 * 主动服务: a message from a cadre to everyone under a node of the tree (narrowed by role and
 * language), one delivery per person (deliveries.broadcast_id). Above the roster's size it waits
 * for a second cadre's approval. Its history is in broadcast_events.
 */
export const broadcasts = gridline.table(
  'broadcasts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    authorId: uuid('author_id').references(() => people.id),
    gridNodeId: uuid('grid_node_id')
      .notNull()
      .references(() => gridNodes.id),
    /** Only these roles (null: everyone placed under the node). */
    roles: text('roles').array(),
    /** Only people reading this language (null: all). */
    locale: text('locale'),
    /** The text in each language the author gave; `defaultLocale`'s is used for the rest. */
    texts: jsonb('texts').$type<Record<string, string>>().notNull(),
    defaultLocale: text('default_locale').notNull().default('zh-CN'),
    /** Reply buttons under it: 'attend' (我要参加), 'ack' (收到). */
    buttons: text('buttons').array().notNull().default([]),
    /** A photo or a document sent with it (the platform's file reference, as a matter keeps one). */
    attachments: jsonb('attachments').$type<Attachment[]>().notNull().default([]),
    /**
     * 节日贺词: a yearly one (a holiday key, see domain/holidays.ts) sent each year at `sendTime`
     * in the node's zone. Its row is the standing order (status 'yearly' until cancelled); each
     * year's copy is a broadcast of its own (`yearlyOfId`, `year`) with its own ledger and report.
     */
    holiday: text('holiday'),
    sendTime: text('send_time'),
    yearlyOfId: uuid('yearly_of_id'),
    year: integer('year'),
    /** draft → awaiting_approval → scheduled → sending → done; rejected; cancelled; yearly (a standing order). */
    status: text('status').notNull().default('draft'),
    /** Recipients counted when it was composed, and when it was released. */
    audienceSize: integer('audience_size').notNull().default(0),
    scheduledAt: ts('scheduled_at'),
    approvedById: uuid('approved_by_id').references(() => people.id),
    approvedAt: ts('approved_at'),
    releasedAt: ts('released_at'),
    finishedAt: ts('finished_at'),
    /** Where the author watches it go: a message edited in place (a conversation's output row). */
    progressDeliveryId: uuid('progress_delivery_id'),
    /** When its progress was last looked at: a second chain of progress jobs (one put back after a restart) stops itself. */
    progressAt: ts('progress_at'),
    /** The counts at the end: sent, waiting, stopped, unreachable, failed. */
    counts: jsonb('counts').$type<Record<string, number>>(),
    createdAt: createdAt(),
  },
  (t) => [index('broadcasts_status_idx').on(t.status), uniqueIndex('broadcasts_yearly_copy_idx').on(t.yearlyOfId, t.year)],
);

/** The ledger of broadcasts: composed, approval asked, approved, released, finished, replies. */
export const broadcastEvents = gridline.table(
  'broadcast_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    broadcastId: uuid('broadcast_id')
      .notNull()
      .references(() => broadcasts.id),
    at: ts('at').notNull().defaultNow(),
    actorId: uuid('actor_id').references(() => people.id),
    action: text('action').notNull(),
    data: jsonb('data').$type<Record<string, unknown>>(),
  },
  (t) => [index('broadcast_events_idx').on(t.broadcastId, t.id)],
);

/** A recipient's answer to a broadcast's button (我要参加 / 收到): one per person, the last pressed. */
export const broadcastResponses = gridline.table(
  'broadcast_responses',
  {
    broadcastId: uuid('broadcast_id')
      .notNull()
      .references(() => broadcasts.id),
    personId: uuid('person_id')
      .notNull()
      .references(() => people.id),
    answer: text('answer').notNull(),
    at: ts('at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.broadcastId, t.personId] })],
);
