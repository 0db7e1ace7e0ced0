// The administrator's operations. The CLI runs them against the store itself, or asks the running
// service to run them (one PGlite data folder is open in one process only). Each returns plain
// JSON; the CLI renders it.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { AUDIENCE_GROUPS, HOLIDAYS, LOCALES, nextHoliday, zonedInstant } from '../domain/index.js';
import { composeBroadcast, previewCount, progressOf } from '../services/broadcast-service.js';
import { listBroadcasts } from '../store/repositories/broadcast-repository.js';
import { findNode } from '../store/repositories/grid-repository.js';
import { CATEGORIES, cleanDeep, mayGoOnLeave, parseRef, PERIOD_NAMES, SIZES, TOPICS, type Period } from '../domain/index.js';
import { importRoster } from '../roster/import-roster.js';
import { parseRoster } from '../roster/parse-roster.js';
import type { ServiceContext } from '../ports/context.js';
import { reconcileDeadlines } from '../services/deadline-timers.js';
import { inboxReport } from '../services/inbox-service.js';
import { intake } from '../services/intake-service.js';
import { createLinkCode, LINK_CODE_TTL_MINUTES } from '../services/link-codes.js';
import { isCalendarDate, statsFor, statsNode } from '../services/stats-service.js';
import { forgetPolicies } from '../services/policy-cache.js';
import { allNodes, findNodeNamed, staffCountsByNode } from '../store/repositories/grid-repository.js';
import { deliveriesOf, findMatterByRef, listMatters, matterEventsOf, messagesOf } from '../store/repositories/matter-repository.js';
import { findPersonByCode, placementsOf, setOnLeave } from '../store/repositories/people-repository.js';
import { summonsOf } from '../store/repositories/summons-repository.js';
import { OpError } from './op-error.js';

export { OpError };

export const opArgs = {
  import: z.object({ fileName: z.string(), text: z.string() }),
  grids: z.object({}),
  matters: z.object({ grid: z.string().optional(), state: z.enum(['open', 'settled', 'closed', 'withdrawn']).optional(), limit: z.number().int().min(1).max(10_000).optional() }),
  show: z.object({ ref: z.string() }),
  report: z.object({
    as: z.string().min(1),
    text: z.string(),
    category: z.enum(CATEGORIES).default('help'),
    size: z.enum(SIZES).optional(),
    topic: z.enum(TOPICS).optional(),
    for: z.string().optional(),
    eventId: z.string().optional(),
  }),
  joincodes: z.object({ grid: z.string().optional() }),
  duty: z.object({ person: z.string(), onLeave: z.boolean() }),
  stats: z.object({ grid: z.string().optional(), from: z.string().optional(), to: z.string().optional(), period: z.enum(PERIOD_NAMES).optional() }),
  linkcode: z.object({ person: z.string(), minutes: z.number().int().min(1).max(1440).optional() }),
  inbox: z.object({ limit: z.number().int().min(1).max(10_000).optional() }),
  broadcast: z.object({
    grid: z.string().min(1),
    /** The default (zh-CN) text, and versions in other languages. */
    text: z.string().min(1),
    texts: z.object({ 'zh-TW': z.string().optional(), en: z.string().optional() }).optional(),
    to: z.enum(['all', 'residents', 'households', 'staff']).default('all'),
    /** Only people reading this language. */
    lang: z.enum(LOCALES).optional(),
    /** 'YYYY-MM-DD HH:MM' in the node's zone. */
    at: z.string().optional(),
    /** 节日贺词: every year on this holiday at 08:00 in the node's zone (not with `at`). */
    holiday: z.enum(HOLIDAYS).optional(),
    dryRun: z.boolean().default(false),
  }),
  broadcasts: z.object({ limit: z.number().int().min(1).max(1000).optional() }),
};
export type OpName = keyof typeof opArgs;
export type OpArgs<N extends OpName> = z.input<(typeof opArgs)[N]>;

type Handler = (ctx: ServiceContext, args: any) => Promise<unknown>;

const handlers: Record<OpName, Handler> = {
  /** Updates from the platforms given up (a redacted summary each), and how many rows wait or are done. */
  async inbox(ctx, a: z.infer<typeof opArgs.inbox>) {
    return inboxReport(ctx, a.limit ?? 100);
  },

  async import(ctx, a: z.infer<typeof opArgs.import>) {
    const roster = parseRoster(a.text, a.fileName);
    const summary = await importRoster(ctx.db, roster);
    forgetPolicies(ctx.db);
    // Open matters' deadlines follow the new time limits and cut-offs at once, not when their old timers fire.
    const moved = (k: 'timeLimits' | 'disputeCutoffs' | 'gridNodes') => summary.counts[k].created + summary.counts[k].updated + summary.counts[k].removed > 0;
    if (moved('timeLimits') || moved('disputeCutoffs') || moved('gridNodes')) await reconcileDeadlines(ctx);
    return summary;
  },

  async grids(ctx) {
    const nodes = await allNodes(ctx.db);
    const counts = await staffCountsByNode(ctx.db);
    type Tree = { code: string; name: string; level: string; kind: string; joinCode: string | null; households: number | null; population: number | null; people: Record<string, number>; children: Tree[] };
    const byId = new Map<string, Tree>();
    for (const n of nodes)
      byId.set(n.id, { code: n.code, name: n.name, level: n.level, kind: n.kind, joinCode: n.joinCode, households: n.households, population: n.population, people: counts.get(n.id) ?? {}, children: [] });
    const roots: Tree[] = [];
    for (const n of nodes) {
      const t = byId.get(n.id)!;
      const parent = n.parentId ? byId.get(n.parentId) : undefined;
      if (parent) parent.children.push(t);
      else roots.push(t);
    }
    return roots;
  },

  async matters(ctx, a: z.infer<typeof opArgs.matters>) {
    let gridPath: string | undefined;
    if (a.grid) {
      const node = await findNodeNamed(ctx.db, a.grid);
      if (!node) throw new OpError('cli:errors.unknown_grid', { grid: a.grid });
      gridPath = node.path;
    }
    return listMatters(ctx.db, { gridPath, state: a.state, limit: a.limit });
  },

  async show(ctx, a: z.infer<typeof opArgs.show>) {
    const ref = parseRef(a.ref);
    if (!ref) throw new OpError('cli:errors.bad_ref', { ref: a.ref });
    const matter = await findMatterByRef(ctx.db, ref);
    if (!matter) throw new OpError('cli:errors.unknown_ref', { ref });
    return {
      matter,
      events: await matterEventsOf(ctx.db, matter.id),
      messages: await messagesOf(ctx.db, matter.id),
      deliveries: await deliveriesOf(ctx.db, matter.id),
      summons: await summonsOf(ctx.db, matter.id),
    };
  },

  async report(ctx, a: z.infer<typeof opArgs.report>) {
    let onBehalfOf: string | undefined;
    if (a.for) {
      const villager = await findPersonByCode(ctx.db, a.for);
      if (!villager) throw new OpError('cli:errors.unknown_person', { person: a.for });
      onBehalfOf = villager.id;
    }
    const result = await intake(ctx, {
      eventId: a.eventId ?? `cli:${randomUUID()}`,
      platform: 'cli',
      externalUserId: a.as,
      kind: 'report',
      category: a.category,
      size: a.size,
      topic: a.topic,
      text: a.text,
      onBehalfOf,
      receivedAt: ctx.now().toISOString(),
    });
    if (result.status === 'rejected') throw new OpError(`intake:rejected.${result.reason}`, { person: a.as });
    return { status: result.status, ref: result.matter.ref, id: result.matter.id };
  },

  async joincodes(ctx, a: z.infer<typeof opArgs.joincodes>) {
    const nodes = await allNodes(ctx.db);
    const under = a.grid ? await findNodeNamed(ctx.db, a.grid) : undefined;
    if (a.grid && !under) throw new OpError('cli:errors.unknown_grid', { grid: a.grid });
    const byId = new Map(nodes.map((n) => [n.id, n]));
    return nodes
      .filter((n) => n.level === 'unit' && n.joinCode && (!under || n.id === under.id || n.path.startsWith(`${under.path}/`)))
      .map((n) => ({ code: n.code, name: n.name, village: n.parentId ? byId.get(n.parentId)?.name ?? null : null, joinCode: n.joinCode }));
  },

  async duty(ctx, a: z.infer<typeof opArgs.duty>) {
    const person = await findPersonByCode(ctx.db, a.person);
    if (!person) throw new OpError('cli:errors.unknown_person', { person: a.person });
    if (!mayGoOnLeave((await placementsOf(ctx.db, person.id)).map((p) => p.role))) throw new OpError('cli:errors.not_staff_for_leave', { person: a.person, name: person.name });
    await setOnLeave(ctx.db, person.id, a.onLeave);
    return { person: person.code, name: person.name, onLeave: a.onLeave };
  },

  async stats(ctx, a: z.infer<typeof opArgs.stats>) {
    for (const [option, value] of [['--from', a.from], ['--to', a.to]] as const) {
      if (value !== undefined && !isCalendarDate(value)) throw new OpError('cli:errors.bad_date', { option, value });
    }
    if (a.from && a.to && a.from > a.to) throw new OpError('cli:errors.bad_date_range', { from: a.from, to: a.to });
    const found = await statsNode(ctx.db, a.grid);
    if (!found.ok) {
      if (found.reason === 'many_roots') throw new OpError('cli:errors.stats_many_roots', { roots: found.roots.join(', ') });
      throw new OpError(found.reason === 'unknown_grid' ? 'cli:errors.unknown_grid' : 'cli:errors.stats_no_grid', { grid: a.grid });
    }
    if (a.period && (a.from || a.to)) throw new OpError('cli:errors.period_and_dates', { period: a.period });
    const period: Period = a.period ? { kind: a.period } : a.from || a.to ? { kind: 'dates', from: a.from ?? null, to: a.to ?? null } : { kind: 'all' };
    const [figures] = await statsFor(ctx.db, [found.node], period, ctx.now());
    return figures!;
  },

  /** 主动服务 from the command line: the administrator's notice to a node (no approval asked), now or at a time. */
  async broadcast(ctx, a: z.infer<typeof opArgs.broadcast>) {
    const node = await findNodeNamed(ctx.db, a.grid);
    if (!node) throw new OpError('cli:errors.unknown_grid', { grid: a.grid });
    let scheduledAt: Date | null = null;
    if (a.at) {
      const m = /^(\d{4}-\d{2}-\d{2})[ T]([01]\d|2[0-3]):([0-5]\d)$/.exec(a.at.trim());
      if (!m || !isCalendarDate(m[1]!)) throw new OpError('cli:errors.bad_time', { value: a.at });
      scheduledAt = zonedInstant(m[1]!, `${m[2]}:${m[3]}`, node.timezone);
      if (scheduledAt.getTime() <= ctx.now().getTime()) throw new OpError('cli:errors.past_time', { value: a.at });
    }
    if (a.holiday && a.at) throw new OpError('cli:errors.holiday_and_at');
    // A yearly one: the first time it goes out is shown as its time.
    if (a.holiday) scheduledAt = (await nextHoliday(a.holiday, ctx.now(), node.timezone)).at;
    const roles = a.to === 'all' ? null : AUDIENCE_GROUPS[a.to];
    const recipients = await previewCount(ctx.db, node, { roles, locale: a.lang ?? null }, null);
    const base = { grid: node.code, name: node.name, recipients, scheduledAt: scheduledAt?.toISOString() ?? null, holiday: a.holiday ?? null };
    if (a.dryRun) return { ...base, dryRun: true, id: null, status: null };
    const draft = { nodeId: node.id, roles, locale: a.lang ?? null, texts: { ...a.texts, 'zh-CN': a.text }, defaultLocale: 'zh-CN' as const, scheduledAt: a.holiday ? null : scheduledAt, holiday: a.holiday ?? null };
    const r = await ctx.db.transaction((tx) => composeBroadcast(ctx, tx, null, draft));
    ctx.outboxWritten();
    if (!r.ok) throw new OpError(r.code === 'no_audience' ? 'cli:errors.no_audience' : 'cli:errors.unknown_grid', { grid: a.grid });
    return { ...base, dryRun: false, id: r.broadcast.id, status: r.broadcast.status };
  },

  /** The broadcasts, newest first, with how their copies stand. */
  async broadcasts(ctx, a: z.infer<typeof opArgs.broadcasts>) {
    const rows = await listBroadcasts(ctx.db, a.limit ?? 50);
    return Promise.all(
      rows.map(async (b) => ({
        id: b.id,
        grid: (await findNode(ctx.db, b.gridNodeId))?.code ?? null,
        status: b.status,
        createdAt: b.createdAt.toISOString(),
        scheduledAt: b.scheduledAt?.toISOString() ?? null,
        text: b.texts[b.defaultLocale] ?? '',
        ...(await progressOf(ctx.db, b, ctx.now())),
      })),
    );
  },

  /** A one-time code linking a chat account (e.g. Slack: `/grid link CODE`) to a person of the roster. */
  async linkcode(ctx, a: z.infer<typeof opArgs.linkcode>) {
    const person = await findPersonByCode(ctx.db, a.person);
    if (!person) throw new OpError('cli:errors.unknown_person', { person: a.person });
    const minutes = a.minutes ?? LINK_CODE_TTL_MINUTES;
    const { code, expiresAt } = await createLinkCode(ctx, person.id, minutes);
    return { person: person.code, name: person.name, code, expiresAt, minutes };
  },
};

export function isOpName(name: string): name is OpName {
  return Object.hasOwn(opArgs, name);
}

/** Validates the arguments and runs the operation. */
export async function runOp<N extends OpName>(ctx: ServiceContext, name: N, args: unknown): Promise<unknown> {
  // The command line's words, cleaned like any chat text (a roster file is long: no cap here).
  const parsed = opArgs[name].safeParse(cleanDeep(args ?? {}, { maxChars: Number.POSITIVE_INFINITY }));
  if (!parsed.success) throw new OpError('cli:errors.bad_args', { details: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') });
  return handlers[name](ctx, parsed.data);
}
