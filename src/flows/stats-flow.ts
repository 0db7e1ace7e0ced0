// /stats: the figures of a cadre's grids, the same object `gridline stats` prints (statsFor), in
// chat words: by type with a rate each, settled at each level, 吹哨报到 with ratings, 答疑 and 代办.
// The period is chosen with buttons (this month, last month, this year, all) or typed as two days
// ("/stats 2025-03-01 2025-03-31", "3月1日到3月31日"); bad days get a clear answer and the buttons.
import { parsePeriod, percent, periodDays, PERIOD_NAMES, wallClock, type Period, type PeriodParse } from '../domain/index.js';
import { MATTER_LEVELS } from '../domain/types.js';
import { deskGrids, deskStats, type GridStats, type Share } from '../services/stats-service.js';
import { done, goto, literal, say, startFlow, stay } from './next.js';
import type { Entry, Flow, FlowContext, FlowData, Say } from './types.js';

export interface StatsData extends FlowData {
  /** The period whose figures were shown last (none yet: only the question). */
  period?: Period;
}

type C = FlowContext<StatsData>;

const DATES = 'dates';

/** Today in the zone of the person's first grid (the grids of one desk share a zone in practice). */
const today = (c: FlowContext) => wallClock(c.now, c.sender?.placements[0]?.node.timezone ?? 'Asia/Shanghai').day;

function rangeWords(c: FlowContext, s: GridStats): string {
  const { from, to } = s.range;
  const days = from && to ? c.t('stats:range.between', { from, to }) : from ? c.t('stats:range.since', { from }) : to ? c.t('stats:range.until', { to }) : c.t('stats:range.all');
  return s.period.kind === 'dates' || s.period.kind === 'all' ? days : c.t('flows:stats.period_days', { period: c.t(`flows:stats.period.${s.period.kind}`), days });
}

const ratio = (c: FlowContext, x: Share, none: string) => (x.rate === null ? none : c.t('stats:ratio', { rate: percent(x.rate), n: x.count, of: x.of }));

/** One grid's figures in chat words; every number is the CLI's. */
export function figuresText(c: FlowContext, s: GridStats): string {
  const none = c.t('flows:figures.none');
  const lines = [c.t('flows:figures.header', { node: s.grid.name }), rangeWords(c, s)];
  lines.push(
    c.t('flows:figures.body', {
      accepted: s.accepted,
      settled: s.settled,
      open: s.open,
      settlementRate: ratio(c, s.settlementRate, none),
      firstContact: ratio(c, s.firstContact, none),
      withinVillage: ratio(c, s.withinVillage, none),
      withinTownship: ratio(c, s.withinTownship, none),
      satisfaction: percent(s.satisfaction.rate, none),
    }),
    c.t('flows:figures.more', { response: percent(s.response.rate, none), overdue: s.overdue, supervised: s.supervised, withdrawn: s.withdrawn }),
    c.t('flows:figures.served', { faq: s.faqAnswers, errands: s.errands }),
    c.t('flows:figures.levels', {
      list: MATTER_LEVELS.map((l) => c.t('flows:figures.level_item', { level: c.t(`common:matter_level.${l}`), count: s.settledAt[l].count, share: percent(s.settledAt[l].rate, none) })).join(' · '),
    }),
    c.t('flows:figures.categories'),
    ...Object.entries(s.byCategory).map(([category, x]) =>
      c.t('flows:figures.category_item', { category: c.t(`common:category.${category}`), accepted: x.accepted, settled: x.settled, open: x.open, rate: percent(x.settlementRate, none) }),
    ),
    c.t('flows:figures.departments'),
    ...(s.departments.length
      ? s.departments.map((d) =>
          c.t('flows:figures.department_item', {
            name: d.name ?? d.code ?? d.id,
            summoned: d.summoned,
            reportedIn: d.reportedIn,
            late: d.reportedLate,
            signedOff: d.signedOff,
            rating: d.averageRating === null ? none : d.averageRating.toFixed(1),
            ratings: d.ratings,
          }),
        )
      : [c.t('flows:figures.no_departments')]),
  );
  const topics = s.byTopic.map((t) => c.t('flows:figures.topic_item', { name: t.name ?? topicWord(c, t.topic), count: t.accepted }));
  if (topics.length) lines.push(c.t('flows:figures.topics', { list: topics.join(' · ') }));
  return lines.join('\n');
}

function topicWord(c: FlowContext, code: string): string {
  const word = c.t(`common:topic.${code}`);
  return word.endsWith(`topic.${code}`) ? code : word;
}

/** What was wrong with typed days, in the person's words. */
function refusal(c: FlowContext, r: Exclude<PeriodParse, { ok: true }>): Say {
  const example = periodDays({ kind: 'last_month' }, today(c));
  if (r.reason === 'reversed') return say('flows:stats.reversed', { from: r.from, to: r.to });
  return say(`flows:stats.${r.reason}`, { value: r.value, from: example.from, to: example.to });
}

async function figuresSaid(c: C, period: Period): Promise<Say[]> {
  const all = await deskStats(c.db, c.sender!.person.id, period, c.now);
  return all.map((s) => literal(figuresText(c, s)));
}

export const statsFlow: Flow<StatsData> = {
  name: 'stats',
  first: 'period',
  // Buttons to look again; not a conversation to keep anyone in for long.
  timeoutMinutes: 15,
  steps: {
    period: {
      prompt: async (c) => (c.data.period ? [...(await figuresSaid(c, c.data.period)), say('flows:stats.again')] : say('flows:stats.which')),
      expect: {
        choices: () => [...PERIOD_NAMES.map((p) => ({ value: p, label: say(`flows:stats.period.${p}`) })), { value: DATES, label: say('flows:stats.period.dates') }],
        columns: 2,
        accepts: ['text'],
        maxChars: 100,
        textOptional: true,
      },
      validate: (input, c) => {
        if (input.kind !== 'text') return null;
        const r = parsePeriod(input.text, today(c));
        return r.ok ? null : refusal(c, r);
      },
      next: (input, c) => {
        if (input.kind === 'text') {
          const r = parsePeriod(input.text, today(c));
          return r.ok ? stay({ data: { period: r.period } }) : stay();
        }
        if (input.kind !== 'choice') return stay();
        if (input.value === DATES) return goto('dates');
        const kind = PERIOD_NAMES.find((p) => p === input.value);
        return kind ? stay({ data: { period: { kind } } }) : stay();
      },
    },
    dates: {
      prompt: (c) => {
        const example = periodDays({ kind: 'last_month' }, today(c));
        return say('flows:stats.dates', { from: example.from, to: example.to });
      },
      expect: { accepts: ['text'], maxChars: 100 },
      validate: (input, c) => {
        if (input.kind !== 'text') return null;
        const r = parsePeriod(input.text, today(c));
        return r.ok ? null : refusal(c, r);
      },
      next: (input, c) => {
        if (input.kind !== 'text') return stay();
        const r = parsePeriod(input.text, today(c));
        return r.ok ? goto('period', { data: { period: r.period } }) : stay();
      },
    },
  },
};

/** /stats [period]: the figures of the person's grids, for all time or the period typed after it. */
export const stats: Entry = async (c) => {
  if (!c.sender) return done({ say: [c.strangers === 'link' ? say('flows:not_linked.slack') : say('flows:help.stranger')] });
  if (!(await deskGrids(c.db, c.sender.person.id)).length) return done({ say: [say('flows:stats.none')] });
  const args = c.update.content.kind === 'command' ? c.update.content.args.trim() : '';
  if (!args) return startFlow('stats', { data: { period: { kind: 'all' } } });
  const r = parsePeriod(args, today(c));
  return r.ok ? startFlow('stats', { data: { period: r.period } }) : startFlow('stats', { data: { period: undefined }, say: [refusal(c, r)] });
};
