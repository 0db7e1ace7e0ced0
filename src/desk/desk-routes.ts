// The cadre's desk on the web, mounted in the app's fastify server under /desk: sign-in from a
// chat link, the overview of a node with its charts, matters with filters, one matter with its
// timeline and the cadre's actions, the roster with join-code posters, and (for the county's
// administrators) the queue dashboard. Like a channel, it holds no rules: who sees and does what
// is decided by the services (coversPath, openMatter, performAction), as in chat.
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import fastifyStatic from '@fastify/static';
import fastifyView from '@fastify/view';
import { Eta } from 'eta';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CATEGORIES, MATTER_LEVELS, MATTER_STATES, parseRef, SIZES, type Relation } from '../domain/index.js';
import { cardActions } from '../flows/card-buttons.js';
import { eventLine } from '../flows/matter-words.js';
import type { FlowContext } from '../flows/types.js';
import { formatTime, toLocale, translator } from '../i18n/index.js';
import type { ServiceContext } from '../ports/context.js';
import { deskLinkLive, endAllDeskSessions, endDeskSession, redeemDeskLink, DESK_SESSION_HOURS, type DeskViewer } from '../services/desk-sign-in.js';
import { performAction, type ActionRequest, type ActionResult } from '../services/matter-actions.js';
import { deskChildren, deskHeldMessages, deskMatter, deskMatters, deskNode, deskRoster, deskTopics, deskTops, deskTrail, mayWatchQueues, type DeskPlace, type MatterFilter } from '../services/web-desk.js';
import { figuresFor, type DeskFigures } from './figures.js';
import type { ChildFigures } from '../services/stats-service.js';
import { qrSvg } from './poster.js';
import { matterFilterOf, periodOf, type Query } from './query.js';
import { deskSessions, SESSION_COOKIE, type DeskSessions } from './session.js';
import { mountQueueBoard, type BoardQueue } from './queue-board.js';

const VIEWS = fileURLToPath(new URL('./views', import.meta.url));
const ASSETS = fileURLToPath(new URL('./assets', import.meta.url));
const HTMX_DIST = path.dirname(createRequire(import.meta.url).resolve('htmx.org/dist/htmx.min.js'));

export interface DeskOptions {
  ctx: ServiceContext;
  /** Signs the session cookie (at least 32 characters). */
  cookieSecret: string;
  /** The desk's public address: https there makes the cookies secure-only. */
  baseUrl: string;
  /** The deep link a join code's poster carries (t.me/<bot>?start=CODE), or null when no bot is known. */
  joinLink?: (joinCode: string) => string | null;
  /** The queues the dashboard shows (bull-board); none: no dashboard. */
  queues?: () => BoardQueue[];
}

export interface DeskHandle {
  /** The signed-in person's id behind a request, or null; for routes mounted beside the desk (the ledger export). */
  viewerOf(request: Pick<FastifyRequest, 'headers'>): Promise<string | null>;
  sessions: DeskSessions;
}

/** The actions the desk offers on a matter, those of a cadre's alert in chat. */
const DESK_ACTIONS = ['takeover', 'transfer', 'supervise', 'whistle'] as const;
type DeskAction = (typeof DESK_ACTIONS)[number];
const isDeskAction = (v: unknown): v is DeskAction => (DESK_ACTIONS as readonly unknown[]).includes(v);
const FAILURES = new Set(['not_found', 'not_permitted', 'not_now', 'too_soon', 'invalid_target', 'empty', 'too_long', 'departments_pending', 'invalid_rating']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type T = (key: string, params?: Record<string, unknown>) => string;

const pct = (r: number | null | undefined, none: string) => (r === null || r === undefined ? none : `${Math.round(r * 1000) / 10}%`);

/** The language of a page: the person's stored one, else what the browser asks for. */
function localeOf(viewer: DeskViewer | null, request: FastifyRequest): string {
  if (viewer) return toLocale(viewer.person.locale);
  const wanted = request.headers['accept-language']?.split(',')[0]?.split(';')[0]?.trim();
  return toLocale(wanted);
}

/** The chat's timeline renderer reads only these fields of a flow's context. */
function timelineContext(viewer: DeskViewer, locale: string, t: T): FlowContext {
  return { t, locale, sender: { person: viewer.person, placements: viewer.placements } } as unknown as FlowContext;
}

export function mountDesk(app: FastifyInstance<any, any, any, any, any>, opts: DeskOptions): DeskHandle {
  const sessions = deskSessions(opts.ctx, opts.cookieSecret);
  const secure = opts.baseUrl.startsWith('https:');
  const { ctx } = opts;

  void app.register(async (desk) => {
    await desk.register(fastifyCookie, { secret: opts.cookieSecret });
    await desk.register(fastifyCsrf, { cookieOpts: { path: '/desk', httpOnly: true, sameSite: 'strict', secure, signed: true } });
    await desk.register(fastifyFormbody);
    const eta = new Eta({ views: VIEWS, cache: true, autoEscape: true });
    await desk.register(fastifyView, { engine: { eta }, root: VIEWS });
    await desk.register(fastifyStatic, { root: ASSETS, prefix: '/desk/assets/', decorateReply: false, maxAge: '1d' });
    await desk.register(fastifyStatic, { root: HTMX_DIST, prefix: '/desk/vendor/', decorateReply: false, maxAge: '1d', allowedPath: (p) => p === '/htmx.min.js' });

    // Pages never go into a shared cache or a frame of another site.
    desk.addHook('onSend', async (_req, reply, payload) => {
      reply.header('cache-control', reply.getHeader('cache-control') ?? 'no-store');
      reply.header('x-frame-options', 'DENY');
      reply.header('referrer-policy', 'no-referrer');
      return payload;
    });

    const page = async (reply: FastifyReply, request: FastifyRequest, viewer: DeskViewer | null, view: string, data: Record<string, unknown>, status = 200) => {
      const locale = localeOf(viewer, request);
      const t = translator(locale);
      const csrf = reply.generateCsrf();
      const tops = viewer ? deskTops(viewer) : [];
      const model = { t, locale, viewer, csrf, tops, queues: Boolean(viewer && opts.queues && mayWatchQueues(viewer)), htmx: request.headers['hx-request'] === 'true', ...data };
      reply.code(status).type('text/html; charset=utf-8');
      // Routes of a plugin with its own views (bull-board's) get the page from the engine itself.
      return request.url.startsWith('/desk/queues') ? reply.send(eta.render(view, model)) : reply.view(view, model);
    };

    /** Every page below needs a signed-in staff member; anyone else is told how to get a link. */
    const signedIn = async (request: FastifyRequest, reply: FastifyReply): Promise<DeskViewer | null> => {
      const viewer = await sessions.viewer(request);
      if (!viewer) await page(reply, request, null, 'signed-out', { reason: sessions.tokenOf(request) === null && request.headers.cookie?.includes(`${SESSION_COOKIE}=`) ? 'invalid' : 'none' }, 401);
      return viewer;
    };
    const notFound = (reply: FastifyReply, request: FastifyRequest, viewer: DeskViewer) => page(reply, request, viewer, 'not-found', {}, 404);

    // ── sign-in ──────────────────────────────────────────────────────────────
    // The link opens a page; only its button (a POST) uses the link, so a chat's preview cannot.
    desk.get<{ Params: { token: string } }>('/desk/in/:token', async (request, reply) => {
      const live = await deskLinkLive(ctx, request.params.token);
      return page(reply, request, null, 'confirm', { live, token: request.params.token }, live ? 200 : 410);
    });

    desk.post<{ Params: { token: string } }>('/desk/in/:token', { preValidation: desk.csrfProtection }, async (request, reply) => {
      const session = await redeemDeskLink(ctx, request.params.token);
      if (!session) return page(reply, request, null, 'confirm', { live: false, token: '' }, 410);
      reply.setCookie(SESSION_COOKIE, session.sessionToken, { path: '/desk', httpOnly: true, sameSite: 'lax', secure, signed: true, maxAge: DESK_SESSION_HOURS * 3600 });
      return reply.redirect('/desk', 303);
    });

    desk.post<{ Body: { all?: string } }>('/desk/out', { preValidation: desk.csrfProtection }, async (request, reply) => {
      const viewer = await sessions.viewer(request);
      const token = sessions.tokenOf(request);
      if (viewer && request.body?.all === '1') await endAllDeskSessions(ctx, viewer.person.id);
      else if (token) await endDeskSession(ctx, token);
      reply.clearCookie(SESSION_COOKIE, { path: '/desk' });
      return page(reply, request, null, 'signed-out', { reason: 'out' });
    });

    // ── overview ─────────────────────────────────────────────────────────────
    desk.get('/desk', async (request, reply) => {
      const viewer = await signedIn(request, reply);
      if (!viewer) return reply;
      const top = deskTops(viewer)[0];
      if (!top) return notFound(reply, request, viewer);
      return reply.redirect(`/desk/n/${encodeURIComponent(top.code)}`, 303);
    });

    desk.get<{ Params: { code: string }; Querystring: Query }>('/desk/n/:code', async (request, reply) => {
      const viewer = await signedIn(request, reply);
      if (!viewer) return reply;
      const node = await deskNode(ctx, viewer, request.params.code);
      if (!node) return notFound(reply, request, viewer);
      const t = translator(localeOf(viewer, request));
      const range = periodOf(request.query, node, ctx.now());
      const [figures, held] = await Promise.all([figuresFor(ctx, node, range), deskHeldMessages(ctx, node)]);
      // The grids below that this person may open, in the stats service's figures (one call for all).
      const below = new Map((await deskChildren(ctx, node)).map((c) => [c.code, c]));
      const childFigures = figures.children.flatMap((c) => {
        const place = below.get(c.grid.code);
        return place ? [{ node: place, figures: c }] : [];
      });
      return page(reply, request, viewer, 'overview', {
        node,
        trail: await deskTrail(ctx, viewer, node),
        range,
        badRange: range.bad,
        rows: [...figureRows(t, figures), heldRow(t, held)],
        departments: figures.departments,
        charts: await chartsOf(t, figures, childFigures),
        children: childFigures.map((c) => ({ node: c.node, accepted: c.figures.accepted, settled: c.figures.settled, open: c.figures.open, rate: pct(c.figures.settlementRate.rate, t('desk:none')) })),
        exportQuery: new URLSearchParams({ node: node.code, ...(range.from ? { from: range.from } : {}), ...(range.to ? { to: range.to } : {}) }).toString(),
      });
    });

    // ── matters ──────────────────────────────────────────────────────────────
    desk.get<{ Params: { code: string }; Querystring: Query }>('/desk/n/:code/matters', async (request, reply) => {
      const viewer = await signedIn(request, reply);
      if (!viewer) return reply;
      const top = await deskNode(ctx, viewer, request.params.code);
      if (!top) return notFound(reply, request, viewer);
      const q = request.query;
      // A grid below, chosen in the filter: it must be one the person covers too.
      const node = q.grid && q.grid !== top.code ? await deskNode(ctx, viewer, q.grid) : top;
      if (!node) return notFound(reply, request, viewer);
      const filter = matterFilterOf(q);
      const [found, topics, grids] = await Promise.all([deskMatters(ctx, node, filter), deskTopics(ctx), deskChildren(ctx, top)]);
      const keep = new URLSearchParams(Object.entries(q).filter(([k, v]) => k !== 'page' && v) as Array<[string, string]>);
      return page(reply, request, viewer, 'matters', {
        node: top,
        grid: node,
        grids,
        trail: await deskTrail(ctx, viewer, top),
        q,
        filter,
        found,
        topics,
        badDates: filter.bad,
        pageLink: (n: number) => `/desk/n/${encodeURIComponent(top.code)}/matters?${new URLSearchParams([...keep, ['page', String(n)]]).toString()}`,
        when: (d: Date | null) => (d ? formatTime(d, localeOf(viewer, request), node.timezone) : ''),
        now: ctx.now(),
        lists: { categories: CATEGORIES, states: MATTER_STATES, levels: MATTER_LEVELS, sizes: SIZES },
      });
    });

    desk.get<{ Params: { ref: string }; Querystring: Query }>('/desk/m/:ref', async (request, reply) => {
      const viewer = await signedIn(request, reply);
      if (!viewer) return reply;
      const ref = parseRef(request.params.ref);
      const found = ref ? await deskMatter(ctx, viewer, ref) : null;
      if (!found) return notFound(reply, request, viewer);
      const locale = localeOf(viewer, request);
      const t = translator(locale);
      const tc = timelineContext(viewer, locale, t);
      const zone = viewer.person.timezone ?? found.grid?.timezone ?? 'Asia/Shanghai';
      const m = found.matter;
      const said = saidOf(t, request.query, m);
      return page(reply, request, viewer, 'matter', {
        m,
        found,
        said,
        actions: offered(m, found.relations),
        timeline: found.events.map((e) => eventLine(tc, e, viewer.person.id)),
        messages: found.messages.map((x) => ({ when: formatTime(x.createdAt, locale, zone), direction: x.direction, text: x.text ?? '', files: (x.attachments ?? []).length })),
        due: m.dueAt ? formatTime(m.dueAt, locale, zone) : null,
        overdue: m.state === 'open' && Boolean(m.dueAt && m.dueAt.getTime() < ctx.now().getTime()),
        nonce: randomUUID(),
      });
    });

    desk.post<{ Params: { ref: string }; Body: Record<string, string | string[] | undefined> }>('/desk/m/:ref/act', { preValidation: desk.csrfProtection }, async (request, reply) => {
      const viewer = await signedIn(request, reply);
      if (!viewer) return reply;
      const ref = parseRef(request.params.ref);
      if (!ref) return notFound(reply, request, viewer);
      const body = request.body ?? {};
      const one = (k: string) => (typeof body[k] === 'string' ? (body[k] as string) : Array.isArray(body[k]) ? String((body[k] as string[])[0] ?? '') : '');
      const action = one('action');
      const nonce = UUID.test(one('nonce')) ? one('nonce') : randomUUID();
      const back = (q: string) => reply.redirect(`/desk/m/${ref}?${q}`, 303);
      if (!isDeskAction(action)) return back('failed=not_permitted');
      const t = translator(localeOf(viewer, request));
      const run = (request: ActionRequest, step: string): Promise<ActionResult> =>
        performAction(ctx, { matter: ref, actorId: viewer.person.id, request, eventId: `desk:${nonce}:${step}` });
      let result: ActionResult;
      if (action === 'supervise') result = await run({ action: 'supervise', note: one('note') }, 'supervise');
      else if (action === 'transfer') result = await run({ action: 'transfer', toPersonId: one('to'), reason: one('reason') }, 'transfer');
      else if (action === 'whistle') {
        const picked = body.departments;
        const departments = (Array.isArray(picked) ? picked : picked ? [picked] : []).filter((d): d is string => typeof d === 'string' && d.length > 0).slice(0, 20);
        result = await run({ action: 'whistle', departments, reason: one('reason') }, 'whistle');
      } else {
        // 我来接手: transfer to oneself, then take, as the chat's button does.
        result = await run({ action: 'transfer', toPersonId: viewer.person.id, reason: t('flows:officer.takeover_reason') }, 'transfer');
        if (result.ok) result = await run({ action: 'take' }, 'take');
      }
      if (!result.ok && result.code === 'not_found' && !result.matter) return notFound(reply, request, viewer);
      return back(result.ok ? `done=${action}` : `failed=${result.code}`);
    });

    // ── roster ───────────────────────────────────────────────────────────────
    desk.get<{ Params: { code: string } }>('/desk/n/:code/roster', async (request, reply) => {
      const viewer = await signedIn(request, reply);
      if (!viewer) return reply;
      const node = await deskNode(ctx, viewer, request.params.code);
      if (!node) return notFound(reply, request, viewer);
      const roster = await deskRoster(ctx, node);
      const everyone = roster.flatMap((r) => [...r.officers, ...r.cadres]);
      return page(reply, request, viewer, 'roster', {
        node,
        trail: await deskTrail(ctx, viewer, node),
        roster,
        onLeave: everyone.filter((p) => p.onLeave),
        unreachable: everyone.filter((p) => !p.reachable),
      });
    });

    desk.get<{ Params: { code: string } }>('/desk/poster/:code', async (request, reply) => {
      const viewer = await signedIn(request, reply);
      if (!viewer) return reply;
      const node = await deskNode(ctx, viewer, request.params.code);
      if (!node?.joinCode) return notFound(reply, request, viewer);
      const link = opts.joinLink?.(node.joinCode) ?? null;
      const trail = await deskTrail(ctx, viewer, node);
      return page(reply, request, viewer, 'poster', { node, trail, link, qr: link ? await qrSvg(link) : null });
    });

    // ── queues (bull-board), for the county's administrators ─────────────────
    if (opts.queues) {
      await mountQueueBoard(desk, {
        basePath: '/desk/queues',
        queues: opts.queues,
        allow: async (request, reply) => {
          const viewer = await signedIn(request, reply);
          if (!viewer) return false;
          if (!mayWatchQueues(viewer)) {
            await notFound(reply, request, viewer);
            return false;
          }
          return true;
        },
      });
    }
  });

  return { viewerOf: (r) => sessions.viewerOf(r), sessions };
}

/** The actions of a cadre's alert in chat that the person may take now (cardActions, the chat's one rule). */
function offered(m: Parameters<typeof cardActions>[0], relations: readonly Relation[]): DeskAction[] {
  const allowed = new Set(cardActions(m, relations));
  return DESK_ACTIONS.filter((a) => allowed.has(a));
}

/** What the page says after an action (a redirect carries it): only known words. */
function saidOf(t: T, q: Query, m: { ref: string; level: string }): { ok: boolean; text: string } | null {
  const params = { ref: m.ref, level: t(`notify:level_names.${m.level}`) };
  if (isDeskAction(q.done)) return { ok: true, text: t(`flows:act.done.${q.done}`, params) };
  if (q.failed && FAILURES.has(q.failed)) return { ok: false, text: t(`flows:act.failed.${q.failed}`, { ...params, state: '', time: '', departments: '' }) };
  return null;
}

function figureRows(t: T, f: DeskFigures): Array<{ label: string; value: string; note?: string }> {
  const none = t('desk:none');
  const share = (s: { count: number; of: number; rate: number | null }) => ({ value: pct(s.rate, none), note: t('desk:figures.of', { count: s.count, of: s.of }) });
  return [
    { label: t('desk:figures.accepted'), value: String(f.accepted) },
    { label: t('desk:figures.settled'), value: String(f.settled) },
    { label: t('desk:figures.open'), value: String(f.open) },
    { label: t('desk:figures.settlement_rate'), ...share(f.settlementRate) },
    { label: t('desk:figures.first_contact'), ...share(f.firstContact) },
    { label: t('desk:figures.within_village'), ...share(f.withinVillage) },
    { label: t('desk:figures.within_township'), ...share(f.withinTownship) },
    { label: t('desk:figures.response'), ...share(f.response) },
    { label: t('desk:figures.satisfaction'), value: pct(f.satisfaction.rate, none), note: t('desk:figures.evaluated', { count: f.satisfaction.evaluated }) },
    { label: t('desk:figures.overdue'), value: String(f.overdue) },
    { label: t('desk:figures.missed'), value: String(f.deadlinesMissed.total) },
    { label: t('desk:figures.supervised'), value: String(f.supervised) },
    { label: t('desk:figures.faq_answers'), value: String(f.faqAnswers) },
    { label: t('desk:figures.errands'), value: String(f.errands) },
  ];
}

/** News held for villagers until they write again (a closed sending window): now, not for the period. */
function heldRow(t: T, held: { messages: number; people: number }): { label: string; value: string; note?: string } {
  return { label: t('desk:figures.held'), value: String(held.messages), ...(held.messages ? { note: t('desk:figures.held_people', { count: held.people }) } : {}) };
}

async function chartsOf(t: T, f: DeskFigures, children: Array<{ node: DeskPlace; figures: ChildFigures }>): Promise<Array<{ id: string; svg: string }>> {
  // Loaded at the first overview a cadre opens: ECharts is ~45 MB resident, and a service that
  // only relays chat never draws a chart.
  const { barChart, groupedBarChart, lineChart, pieChart } = await import('./charts.js');
  const charts: Array<{ id: string; svg: string }> = [];
  charts.push({ id: 'by-category', svg: barChart(t('desk:charts.by_category'), CATEGORIES.map((c) => ({ label: t(`common:category.${c}`), value: f.byCategory[c].accepted }))) });
  charts.push({ id: 'by-level', svg: pieChart(t('desk:charts.by_level'), MATTER_LEVELS.map((l) => ({ label: t(`notify:level_names.${l}`), value: f.settledAt[l].count })).filter((s) => s.value > 0)) });
  if (f.settledByWeek.length) charts.push({ id: 'per-week', svg: lineChart(t('desk:charts.per_week'), f.settledByWeek.map((w) => ({ label: w.week.slice(5), value: w.settled }))) });
  if (children.length) {
    charts.push({
      id: 'per-grid',
      svg: groupedBarChart(
        t('desk:charts.per_grid'),
        children.map((c) => c.node.name),
        [
          { name: t('desk:figures.accepted'), values: children.map((c) => c.figures.accepted) },
          { name: t('desk:figures.settled'), values: children.map((c) => c.figures.settled) },
        ],
      ),
    });
  }
  return charts;
}
