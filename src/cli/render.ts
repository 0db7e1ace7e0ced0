// Text the CLI prints, in the reader's language. `--json` skips all of this.
import { createRequire } from 'node:module';
import type TableType from 'cli-table3';
import { ROLES } from '../domain/types.js';
import { formatTime, translator } from '../i18n/index.js';
import { sayRoster, type Said } from '../roster/said.js';
import type { GridStats, Share } from '../services/stats-service.js';

type Kind = 'import' | 'grids' | 'matters' | 'show' | 'report' | 'joincodes' | 'duty' | 'stats' | 'inbox' | 'broadcast' | 'broadcasts';

interface GridTree {
  code: string;
  name: string;
  level: string;
  kind: string;
  joinCode: string | null;
  households: number | null;
  people: Record<string, number>;
  children: GridTree[];
}

// CommonJS, required (as commander in main.ts): no CommonJS lexer started to name its exports.
const Table = createRequire(import.meta.url)('cli-table3') as typeof TableType;
const table = (head: string[]) => new Table({ head, style: { head: [], border: [] } });

export function render(kind: Kind, data: unknown, locale: string, timezone: string): string {
  const tr = translator(locale);
  const time = (v: unknown) => (v ? formatTime(new Date(String(v)), locale, timezone) : '—');
  switch (kind) {
    case 'import': {
      const s = data as { changed: boolean; counts: Record<string, Record<string, number>>; absent: Record<string, string[]>; warnings: Array<Said | string> };
      const lines = [s.changed ? tr('cli:import.applied') : tr('cli:import.unchanged')];
      for (const [what, c] of Object.entries(s.counts)) {
        lines.push(`  ${tr(`cli:import.kinds.${what}`)}: ${tr('cli:import.counts', { created: c.created ?? 0, updated: c.updated ?? 0, unchanged: c.unchanged ?? 0, removed: c.removed ?? 0 })}`);
      }
      for (const [what, codes] of Object.entries(s.absent)) {
        if (codes.length) lines.push(`  ${tr('cli:import.absent', { kind: tr(`cli:import.kinds.${what}`), codes: codes.join(', ') })}`);
      }
      if (s.warnings.length) lines.push(tr('cli:import.warnings'), ...s.warnings.map((w) => `  ! ${typeof w === 'string' ? w : sayRoster(locale, w)}`));
      return lines.join('\n');
    }
    case 'grids': {
      const lines: string[] = [];
      const walk = (n: GridTree, depth: number) => {
        const staff = ROLES.filter((r) => n.people[r])
          .map((r) => [r, n.people[r]] as const)
          .map(([role, count]) => `${tr(`common:role.${role}`)}×${count}`)
          .join(' ');
        const extra = [tr(`common:level.${n.level}`), n.kind === 'dedicated' ? tr('cli:grids.dedicated') : '', n.joinCode ? tr('cli:grids.join_code', { code: n.joinCode }) : '', staff]
          .filter(Boolean)
          .join(' · ');
        lines.push(`${'  '.repeat(depth)}${n.name} [${n.code}]  ${extra}`);
        for (const c of n.children) walk(c, depth + 1);
      };
      for (const root of data as GridTree[]) walk(root, 0);
      return lines.length ? lines.join('\n') : tr('cli:grids.empty');
    }
    case 'matters': {
      const rows = data as Array<Record<string, any>>;
      if (!rows.length) return tr('cli:matters.empty');
      const out = table([tr('cli:matters.ref'), tr('cli:matters.category'), tr('cli:matters.step'), tr('cli:matters.level'), tr('cli:matters.grid'), tr('cli:matters.assignee'), tr('cli:matters.due'), tr('cli:matters.summary')]);
      for (const m of rows) {
        const step = m.state === 'open' ? tr(`common:step.${m.step}`) : tr(`common:state.${m.state}`);
        out.push([m.ref, tr(`common:category.${m.category}`), step + (m.supervised ? ` ${tr('cli:matters.supervised')}` : ''), tr(`common:matter_level.${m.level}`), m.gridName, m.assignee ?? tr('cli:matters.unassigned'), time(m.dueAt), m.summary]);
      }
      return `${out.toString()}\n${tr('cli:matters.count', { count: rows.length })}`;
    }
    case 'show': {
      const d = data as { matter: Record<string, any>; events: Array<Record<string, any>>; messages: Array<Record<string, any>>; deliveries: Array<Record<string, any>>; summons?: Array<Record<string, any>> };
      const m = d.matter;
      const lines = [
        `${m.ref}  ${tr(`common:category.${m.category}`)} · ${tr(`common:size.${m.size}`)} · ${m.state === 'open' ? tr(`common:step.${m.step}`) : tr(`common:state.${m.state}`)} · ${tr(`common:matter_level.${m.level}`)}`,
        `${tr('cli:matters.summary')}: ${m.summary}`,
        `${tr('cli:matters.due')}: ${time(m.dueAt)}`,
        '',
        tr('cli:show.timeline'),
      ];
      for (const e of d.events) {
        const who = e.actorName ?? tr('cli:show.system');
        const move = e.stepTo && e.stepTo !== e.stepFrom ? ` → ${tr(`common:step.${e.stepTo}`)}` : '';
        const level = e.levelTo && e.levelFrom && e.levelTo !== e.levelFrom ? ` (${tr(`common:matter_level.${e.levelFrom}`)} → ${tr(`common:matter_level.${e.levelTo}`)})` : '';
        const to = e.assigneeName ? ` ${tr('cli:show.to', { name: e.assigneeName })}` : '';
        lines.push(`  ${time(e.at)}  ${tr(`cli:show.action.${e.action}`, { defaultValue: tr(`alerts:events.${e.action}`, { defaultValue: tr(`ladder:events.${e.action}`, { defaultValue: e.action }) }) })}${move}${level}${to} — ${who}`);
        const considered = (e.data as { considered?: Array<Record<string, any>> } | null)?.considered;
        if (considered) {
          const chosen = considered.find((c) => c.outcome === 'chosen');
          const last = (c: Record<string, any> | undefined) => (c?.lastAssignedAt ? time(c.lastAssignedAt) : tr('cli:show.routing.never'));
          for (const c of considered) {
            const params = { open: c.openMatters, last: last(c), chosenLast: last(chosen), code: c.code ?? '—', chosenCode: chosen?.code ?? '—' };
            lines.push(`      · ${c.name} ${tr(`common:role.${c.role}`)}: ${tr(`cli:show.routing.${c.outcome}`, params)}`);
          }
        }
      }
      if (d.summons?.length) {
        lines.push('', tr('alerts:summons.title'));
        for (const s of d.summons) {
          const parts = [
            s.reportedInAt ? tr(s.late ? 'alerts:summons.reported_late' : 'alerts:summons.reported', { at: time(s.reportedInAt) }) : tr(s.overdueAlertedAt ? 'alerts:summons.overdue' : 'alerts:summons.waiting', { due: time(s.reportDueAt) }),
            s.signedOffAt ? tr('alerts:summons.signed_off', { at: time(s.signedOffAt) }) : '',
            s.rating ? tr('alerts:summons.rated', { rating: s.rating }) : '',
          ];
          lines.push(`  ${s.departmentName}: ${parts.filter(Boolean).join(' · ')}`);
        }
      }
      lines.push('', tr('cli:show.deliveries'));
      for (const x of d.deliveries) lines.push(`  ${x.personName}: ${tr(`cli:show.template.${x.template}`, { defaultValue: tr('cli:show.template.other') })} — ${tr(`cli:show.status.${x.status}`, { defaultValue: tr(`alerts:delivery_status.${x.status}`, { defaultValue: x.status }) })}${x.channel ? ` (${x.channel})` : ''}`);
      return lines.join('\n');
    }
    case 'report': {
      const r = data as { status: string; ref: string; serviceRunning: boolean | null };
      const head = r.status === 'duplicate' ? tr('cli:report.duplicate', { ref: r.ref }) : tr('cli:report.created', { ref: r.ref });
      return r.serviceRunning === false ? `${head}\n${tr('cli:report.service_stopped')}` : head;
    }
    case 'joincodes': {
      const rows = data as Array<{ code: string; name: string; village: string | null; joinCode: string }>;
      const out = table([tr('cli:joincodes.village'), tr('cli:joincodes.grid'), tr('cli:joincodes.code'), tr('cli:joincodes.link')]);
      for (const r of rows) out.push([r.village ?? '', r.name, r.joinCode, `/start ${r.joinCode}`]);
      return out.toString();
    }
    case 'duty': {
      const d = data as { name: string; onLeave: boolean };
      return d.onLeave ? tr('cli:duty.leave', { name: d.name }) : tr('cli:duty.back', { name: d.name });
    }
    case 'stats':
      return renderStats(data as GridStats, tr);
    case 'broadcast': {
      const d = data as { name: string; grid: string; recipients: number; scheduledAt: string | null; holiday?: string | null; dryRun: boolean; id: string | null; status: string | null };
      const when = d.holiday && d.scheduledAt
        ? tr('cli:broadcast.yearly', { holiday: tr(`broadcast:holiday_name.${d.holiday}`), at: time(d.scheduledAt) })
        : d.scheduledAt ? tr('cli:broadcast.at', { at: time(d.scheduledAt) }) : tr('cli:broadcast.now');
      return d.dryRun ? tr('cli:broadcast.dry_run', { name: d.name, grid: d.grid, recipients: d.recipients, when }) : tr('cli:broadcast.written', { name: d.name, grid: d.grid, recipients: d.recipients, when, id: d.id });
    }
    case 'broadcasts': {
      const rows = data as Array<{ id: string; grid: string | null; status: string; createdAt: string; text: string; total: number; sent: number; waiting: number; queued: number; stopped: number; failed: number; windowWaiting?: number; expired?: number; responses: Record<string, number> }>;
      if (!rows.length) return tr('cli:broadcasts.none');
      const t = table(['', tr('cli:broadcasts.head.grid'), tr('cli:broadcasts.head.status'), tr('cli:broadcasts.head.counts'), tr('cli:broadcasts.head.answers'), tr('cli:broadcasts.head.text')]);
      for (const r of rows) {
        t.push([
          time(r.createdAt),
          r.grid ?? '—',
          tr(`cli:broadcasts.status.${r.status}`),
          // Waiting includes the copies waiting for a closed sending window; not delivered, the expired ones.
          tr('cli:broadcasts.counts', { sent: r.sent, total: r.total, waiting: r.waiting + r.queued + (r.windowWaiting ?? 0), stopped: r.stopped, failed: r.failed + (r.expired ?? 0) }),
          tr('cli:broadcasts.answers', { attend: r.responses.attend ?? 0, ack: r.responses.ack ?? 0 }),
          r.text.length > 30 ? `${r.text.slice(0, 30)}…` : r.text,
        ]);
      }
      return t.toString();
    }
    case 'inbox': {
      const d = data as { counts: Record<string, number>; failed: Array<{ id: string; platform: string; summary: { kind?: string; error?: string; attempts?: number } | null; receivedAt: string }> };
      const lines = [tr('cli:inbox.counts', { pending: d.counts.pending ?? 0, handled: d.counts.handled ?? 0, failed: d.counts.failed ?? 0 })];
      if (!d.failed.length) return [...lines, tr('cli:inbox.none_failed')].join('\n');
      const out = table([tr('cli:inbox.received'), tr('cli:inbox.platform'), tr('cli:inbox.kind'), tr('cli:inbox.error'), tr('cli:inbox.attempts'), tr('cli:inbox.id')]);
      for (const r of d.failed) out.push([time(r.receivedAt), r.platform, r.summary?.kind ?? '', r.summary?.error ?? '', String(r.summary?.attempts ?? ''), r.id]);
      return [...lines, tr('cli:inbox.failed_head'), out.toString()].join('\n');
    }
  }
}

/** The headline (小事不出村，大事不出镇) first, then the figures, levels, categories and whistles. */
function renderStats(s: GridStats, tr: ReturnType<typeof translator>): string {
  const none = tr('stats:none');
  const table = (head: string[]) => new Table({ head, style: { head: [], border: [], compact: true } });
  const pct = (rate: number | null) => (rate === null ? none : `${(rate * 100).toFixed(1)}%`);
  const ratio = (x: Share) => (x.rate === null ? none : tr('stats:ratio', { rate: pct(x.rate), n: x.count, of: x.of }));
  const round1 = (x: number) => String(Math.round(x * 10) / 10);
  const duration = (min: number | null) => (min === null ? none : min < 60 ? tr('stats:minutes', { value: round1(min) }) : tr('stats:hours', { value: round1(min / 60) }));
  const { from, to } = s.range;
  const days = from && to ? tr('stats:range.between', { from, to }) : from ? tr('stats:range.since', { from }) : to ? tr('stats:range.until', { to }) : tr('stats:range.all');
  const named = s.period && s.period.kind !== 'dates' && s.period.kind !== 'all';
  const range = named ? tr('stats:range.named', { period: tr(`stats:range.${s.period.kind}`), days }) : days;
  const title = [tr('stats:title', { name: s.grid.name, level: tr(`common:level.${s.grid.level}`) }), range, from || to ? tr('stats:range.note', { zone: s.grid.timezone }) : ''];
  const sat = s.satisfaction;
  const dm = s.deadlinesMissed;

  const figures = table([tr('stats:figure'), tr('stats:value')]);
  figures.push(
    [tr('stats:accepted'), String(s.accepted)],
    [tr('stats:settled'), String(s.settled)],
    [tr('stats:open'), String(s.open)],
    [tr('stats:withdrawn'), String(s.withdrawn)],
    [tr('stats:settlement_rate'), ratio(s.settlementRate)],
    [tr('stats:first_contact'), ratio(s.firstContact)],
    [tr('stats:response_rate'), ratio(s.response)],
    [tr('stats:satisfaction_rate'), ratio({ count: sat.satisfied + sat.basicallySatisfied, of: sat.evaluated, rate: sat.rate })],
    [tr('stats:evaluations'), tr('stats:evaluations_detail', { n: sat.evaluated, satisfied: sat.satisfied, basic: sat.basicallySatisfied, unsatisfied: sat.unsatisfied })],
    [tr('stats:median_accept'), duration(s.medianMinutes.accept)],
    [tr('stats:median_settle'), duration(s.medianMinutes.settle)],
    [tr('stats:deadlines_missed'), tr('stats:deadlines_detail', { total: dm.total, accept: dm.accept, reply: dm.reply, settle: dm.settle })],
    [tr('stats:overdue'), String(s.overdue)],
    [tr('stats:supervised'), String(s.supervised)],
    [tr('stats:faq_answers'), String(s.faqAnswers)],
    [tr('stats:errands'), String(s.errands)],
  );

  const levels = table([tr('stats:levels.level'), tr('stats:levels.count'), tr('stats:levels.share')]);
  for (const [level, x] of Object.entries(s.settledAt)) levels.push([tr(`common:matter_level.${level}`), String(x.count), pct(x.rate)]);

  const categories = table([tr('stats:categories.category'), tr('stats:categories.accepted'), tr('stats:categories.settled'), tr('stats:categories.open'), tr('stats:categories.withdrawn'), tr('stats:categories.rate')]);
  for (const [category, c] of Object.entries(s.byCategory)) {
    categories.push([tr(`common:category.${category}`), String(c.accepted), String(c.settled), String(c.open), String(c.withdrawn), pct(c.settlementRate)]);
  }
  categories.push([tr('stats:categories.total'), String(s.accepted), String(s.settled), String(s.open), String(s.withdrawn), pct(s.settlementRate.rate)]);

  const topics = table([tr('stats:topics.topic'), tr('stats:topics.accepted'), tr('stats:topics.settled'), tr('stats:topics.open'), tr('stats:topics.big')]);
  for (const x of s.byTopic) {
    const word = tr(`common:topic.${x.topic}`);
    topics.push([x.name ?? (word === `common:topic.${x.topic}` || word === `topic.${x.topic}` ? x.topic : word), String(x.accepted), String(x.settled), String(x.open), String(x.big)]);
  }

  let whistles = tr('stats:departments.none');
  if (s.departments.length) {
    const t = table([tr('stats:departments.department'), tr('stats:departments.summoned'), tr('stats:departments.reported_in'), tr('stats:departments.late'), tr('stats:departments.signed_off'), tr('stats:departments.rating')]);
    for (const d of s.departments) t.push([d.name ?? d.code ?? d.id, String(d.summoned), String(d.reportedIn), String(d.reportedLate), String(d.signedOff), d.averageRating === null ? none : d.averageRating.toFixed(1)]);
    whistles = t.toString();
  }

  const weeks = s.settledByWeek.length ? s.settledByWeek.map((w) => tr('stats:weeks.item', { week: w.week, count: w.settled })).join(' · ') : tr('stats:weeks.none');
  let children = '';
  if (s.children.length) {
    const t = table([tr('stats:children.grid'), tr('stats:children.accepted'), tr('stats:children.settled'), tr('stats:children.open'), tr('stats:children.overdue'), tr('stats:children.rate'), tr('stats:children.faq'), tr('stats:children.errands')]);
    for (const c of s.children) t.push([c.grid.name, String(c.accepted), String(c.settled), String(c.open), String(c.overdue), pct(c.settlementRate.rate), String(c.faqAnswers), String(c.errands)]);
    children = ['', tr('stats:children.title'), t.toString()].join('\n');
  }

  return [
    title.filter(Boolean).join(' · '),
    tr('stats:headline.village', { value: ratio(s.withinVillage) }),
    tr('stats:headline.township', { value: ratio(s.withinTownship) }),
    '',
    figures.toString(),
    '',
    tr('stats:levels.title'),
    levels.toString(),
    '',
    tr('stats:categories.title'),
    categories.toString(),
    '',
    tr('stats:topics.title'),
    topics.toString(),
    '',
    tr('stats:departments.title'),
    whistles,
    '',
    tr('stats:weeks.title'),
    weeks,
  ].join('\n') + children;
}
