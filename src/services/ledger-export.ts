// 一本民情帐 as a file: a node's matters, their events and its figures for a period, as CSV (one
// table, UTF-8 with a BOM for Excel on Chinese Windows) or XLSX (three sheets). Rows are streamed
// from the store in batches and written as they come, so a county's year never sits in memory.
// Who may take which node, and whether villagers' phones come with it, is decided in roles.ts.
import { once } from 'node:events';
import { PassThrough, Readable, type Writable } from 'node:stream';
import { stringify } from 'csv-stringify';
import { mayReadLedger, mayReadResidentPhones } from '../domain/roles.js';
import type { Locale } from '../domain/types.js';
import { translator } from '../i18n/index.js';
import type { ServiceContext } from '../ports/context.js';
import { findNodeNamed } from '../store/repositories/grid-repository.js';
import { ledgerEvents, ledgerMatters, type LedgerEventRow, type LedgerMatterRow, type LedgerScope } from '../store/repositories/ledger-repository.js';
import { findPerson, placementsOf } from '../store/repositories/people-repository.js';
import type { GridNodeRow } from '../store/repositories/stats-repository.js';
import { gridStats, isCalendarDate, type GridStats, type Share } from './stats-service.js';

export type LedgerFormat = 'csv' | 'xlsx';
export type LedgerSheet = 'matters' | 'events';
export const LEDGER_FORMATS: readonly LedgerFormat[] = ['csv', 'xlsx'];
export const LEDGER_SHEETS: readonly LedgerSheet[] = ['matters', 'events'];

/** The CLI: the administrator, who holds the roster (phones included) and sees every node. */
export const ADMINISTRATOR = Object.freeze({ administrator: true } as const);
export type LedgerViewer = string | typeof ADMINISTRATOR;

export interface LedgerRequest {
  /** A grid code or join code. */
  node?: string;
  from?: string;
  to?: string;
}

/** What may be exported, checked: the node, the period, the reader's language and rights. */
export interface LedgerJob {
  node: GridNodeRow;
  scope: LedgerScope;
  locale: Locale;
  /** ASCII, for Content-Disposition: ledger-<code>[-from][-to]. */
  baseName: string;
}

/** Why not: a locale key under ledger:errors and its parameters; `status` for HTTP. */
export interface LedgerRefusal {
  status: 400 | 403 | 404;
  key: string;
  params: Record<string, unknown>;
}

export type LedgerAccess = { ok: true; job: LedgerJob } | { ok: false; refusal: LedgerRefusal };

/** A cell whose text a spreadsheet would take as a formula (= + - @, or a leading tab or CR) gets a leading '. */
export function neutraliseCell(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

const MATTER_COLUMNS = ['ref', 'reported_at', 'grid_code', 'grid_name', 'category', 'topic', 'size', 'state', 'level', 'step', 'supervised', 'urgent', 'overdue', 'reporter', 'reporter_phone', 'assignee', 'due_at', 'accepted_at', 'settled_at', 'rating', 'summary'] as const;
const EVENT_COLUMNS = ['ref', 'at', 'action', 'actor', 'step_from', 'step_to', 'level_from', 'level_to', 'assignee', 'note'] as const;
type Cell = string | number | null;

/**
 * The figures sheet's numbers: the stats service's, for the node and the period (the same as
 * `gridline stats` and the desk). Kept in this one place so a change of that service is one edit.
 */
async function figuresOf(ctx: ServiceContext, node: GridNodeRow, range: { from?: string; to?: string }): Promise<GridStats> {
  return gridStats(ctx.db, node, range);
}

export class LedgerExport {
  constructor(private readonly ctx: ServiceContext) {}

  /** Checks the request and the reader's rights. `locale`: the reader's language (default: the person's, else zh-CN). */
  async prepare(viewer: LedgerViewer, req: LedgerRequest, locale?: Locale): Promise<LedgerAccess> {
    const refuse = (status: LedgerRefusal['status'], key: string, params: Record<string, unknown> = {}): LedgerAccess => ({ ok: false, refusal: { status, key: `ledger:errors.${key}`, params } });
    for (const [option, value] of [['from', req.from], ['to', req.to]] as const) {
      if (value !== undefined && !isCalendarDate(value)) return refuse(400, 'bad_date', { option, value });
    }
    if (req.from && req.to && req.from > req.to) return refuse(400, 'bad_range', { from: req.from, to: req.to });
    if (!req.node?.trim()) return refuse(400, 'no_grid');
    const node = await findNodeNamed(this.ctx.db, req.node);
    let phones = true;
    let lang: Locale = locale ?? 'zh-CN';
    if (typeof viewer === 'string') {
      const places = await placementsOf(this.ctx.db, viewer);
      // An unknown node and a node of another township answer alike: a URL reveals nothing.
      if (!node || !mayReadLedger(places, node.path)) return refuse(403, 'forbidden');
      phones = mayReadResidentPhones(places, node.path);
      lang = locale ?? ((await findPerson(this.ctx.db, viewer))?.locale as Locale | undefined) ?? 'zh-CN';
    } else if (!node) return refuse(404, 'unknown_grid', { grid: req.node });
    const n = node!;
    const baseName = ['ledger', n.code, req.from, req.to].filter(Boolean).join('-').replace(/[^\w.-]/g, '_');
    return { ok: true, job: { node: n, locale: lang, baseName, scope: { path: n.path, timezone: n.timezone, from: req.from, to: req.to, now: this.ctx.now(), phones } } };
  }

  /** One table as CSV (UTF-8 with BOM, localised headers, formula-like cells neutralised). */
  csv(job: LedgerJob, sheet: LedgerSheet = 'matters'): Readable {
    const { headers, rows } = sheet === 'matters' ? this.matterTable(job) : this.eventTable(job);
    const out = stringify({ bom: true, header: true, columns: headers, cast: { string: neutraliseCell } });
    const source = Readable.from(flatten(rows));
    source.on('error', (err) => out.destroy(err));
    source.pipe(out);
    return out;
  }

  /** The workbook (matters, events, figures; frozen header row, filters) written to `out` as it is read. */
  async xlsx(job: LedgerJob, out: Writable): Promise<void> {
    const say = translator(job.locale);
    // Loaded for the first workbook: ExcelJS is ~30 MB resident, wanted only by an export.
    const { default: ExcelJS } = await import('exceljs');
    const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
    for (const [sheet, table] of [['matters', this.matterTable(job)], ['events', this.eventTable(job)]] as const) {
      const ws = workbook.addWorksheet(say(`ledger:sheets.${sheet}`), { views: [{ state: 'frozen', ySplit: 1 }] });
      ws.columns = table.headers.map((h) => ({ header: h.header, key: h.key, width: h.key === 'summary' || h.key === 'note' ? 48 : 14 }));
      ws.getRow(1).font = { bold: true };
      let last = 1;
      for await (const batch of table.rows) {
        for (const r of batch) ws.addRow(r).commit();
        last += batch.length;
        // The reader is slower than the store: wait for it rather than hold the file in memory.
        if (out.writableNeedDrain) await once(out, 'drain');
      }
      ws.autoFilter = { from: { row: 1, column: 1 }, to: { row: last, column: table.headers.length } };
      ws.commit();
    }
    const figures = await figuresOf(this.ctx, job.node, { from: job.scope.from, to: job.scope.to });
    const ws = workbook.addWorksheet(say('ledger:sheets.figures'), { views: [{ state: 'frozen', ySplit: 1 }] });
    ws.columns = [
      { header: say('ledger:figures.figure'), key: 'figure', width: 44 },
      { header: say('ledger:figures.value'), key: 'value', width: 12 },
      { header: say('ledger:figures.count'), key: 'count', width: 10 },
      { header: say('ledger:figures.of'), key: 'of', width: 10 },
    ];
    ws.getRow(1).font = { bold: true };
    const rows = figureRows(figures, job.locale);
    for (const r of rows) {
      const row = ws.addRow(r);
      if (r.percent) row.getCell('value').numFmt = '0.0%';
      row.commit();
    }
    ws.autoFilter = { from: { row: 1, column: 1 }, to: { row: rows.length + 1, column: 4 } };
    ws.commit();
    await workbook.commit();
  }

  private matterTable(job: LedgerJob): { headers: Array<{ key: string; header: string }>; rows: AsyncIterable<Array<Record<string, Cell>>> } {
    const say = translator(job.locale);
    const columns = MATTER_COLUMNS.filter((c) => c !== 'reporter_phone' || job.scope.phones);
    const [yesText, noText] = [say('ledger:yes'), say('ledger:no')];
    const yes = (b: boolean) => (b ? yesText : noText);
    const label = labels(say);
    const db = this.ctx.db;
    async function* rows() {
      for await (const batch of ledgerMatters(db, job.scope)) {
        yield batch.map((m: LedgerMatterRow) => ({
          ref: m.ref,
          reported_at: m.reportedAt,
          grid_code: m.gridCode,
          grid_name: m.gridName,
          category: label('category', m.category),
          topic: label('topic', m.topic),
          size: label('size', m.size),
          state: label('state', m.state),
          level: label('matter_level', m.level),
          step: label('step', m.step),
          supervised: yes(m.supervised),
          urgent: yes(m.urgent),
          overdue: yes(m.overdue),
          reporter: m.reporter,
          ...(job.scope.phones ? { reporter_phone: m.reporterPhone ?? null } : {}),
          assignee: m.assignee,
          due_at: m.dueAt,
          accepted_at: m.acceptedAt,
          settled_at: m.settledAt,
          rating: label('rate', m.rating, 'flows'),
          summary: m.summary,
        }));
      }
    }
    return { headers: columns.map((key) => ({ key, header: say(`ledger:matters.${key}`) })), rows: rows() };
  }

  private eventTable(job: LedgerJob): { headers: Array<{ key: string; header: string }>; rows: AsyncIterable<Array<Record<string, Cell>>> } {
    const say = translator(job.locale);
    const label = labels(say);
    const system = say('ledger:system');
    const db = this.ctx.db;
    async function* rows() {
      for await (const batch of ledgerEvents(db, job.scope)) {
        yield batch.map((e: LedgerEventRow) => ({
          ref: e.ref,
          at: e.at,
          action: label('show.action', e.action, 'cli'),
          actor: e.actor ?? system,
          step_from: label('step', e.stepFrom),
          step_to: label('step', e.stepTo),
          level_from: label('matter_level', e.levelFrom),
          level_to: label('matter_level', e.levelTo),
          assignee: e.assignee,
          note: e.note,
        }));
      }
    }
    return { headers: EVENT_COLUMNS.map((key) => ({ key, header: say(`ledger:events.${key}`) })), rows: rows() };
  }
}

/**
 * Codes turned into words (`common:category.help` → 求助), each looked up once per file: a county's
 * year asks for the same few hundred thousand times. `ns` without a colon is under common:.
 */
/** Words for a code, looked up once per file: `group` of namespace `ns` (default common), e.g. ('step', 'handle'). */
function labels(say: (key: string, params?: Record<string, unknown>) => string): (group: string, v: string | null, ns?: string) => string | null {
  const seen = new Map<string, string>();
  return (group, v, ns = 'common') => {
    if (!v) return null;
    const key = `${ns}:${group}.${v}`;
    let text = seen.get(key);
    if (text === undefined) seen.set(key, (text = say(key, { defaultValue: v })));
    return text;
  };
}

async function* flatten<T>(batches: AsyncIterable<T[]>): AsyncGenerator<T> {
  for await (const batch of batches) yield* batch;
}

interface FigureRow {
  figure: string;
  value: number | string | null;
  count: number | null;
  of: number | null;
  percent: boolean;
}

/** The figures as rows a spreadsheet sorts and filters: rates as numbers formatted as percentages. */
export function figureRows(s: GridStats, locale: Locale): FigureRow[] {
  const say = translator(locale);
  const rows: FigureRow[] = [];
  const count = (figure: string, value: number | null) => rows.push({ figure, value, count: null, of: null, percent: false });
  const share = (figure: string, v: Share) => rows.push({ figure, value: v.rate, count: v.count, of: v.of, percent: true });
  rows.push({ figure: say('ledger:figures.grid'), value: `${s.grid.name} (${s.grid.code})`, count: null, of: null, percent: false });
  const range = s.range.from && s.range.to ? say('stats:range.between', s.range) : s.range.from ? say('stats:range.since', s.range) : s.range.to ? say('stats:range.until', s.range) : say('stats:range.all');
  rows.push({ figure: say('ledger:figures.period'), value: range, count: null, of: null, percent: false });
  count(say('stats:accepted'), s.accepted);
  count(say('stats:settled'), s.settled);
  count(say('stats:open'), s.open);
  count(say('stats:withdrawn'), s.withdrawn);
  share(say('stats:settlement_rate'), s.settlementRate);
  share(say('stats:first_contact'), s.firstContact);
  share(say('ledger:figures.within_village'), s.withinVillage);
  share(say('ledger:figures.within_township'), s.withinTownship);
  for (const [level, v] of Object.entries(s.settledAt)) share(say('ledger:figures.settled_at', { level: say(`common:matter_level.${level}`) }), v);
  share(say('stats:response_rate'), s.response);
  rows.push({ figure: say('stats:satisfaction_rate'), value: s.satisfaction.rate, count: s.satisfaction.satisfied + s.satisfaction.basicallySatisfied, of: s.satisfaction.evaluated, percent: true });
  count(say('stats:median_accept'), s.medianMinutes.accept);
  count(say('stats:median_settle'), s.medianMinutes.settle);
  count(say('stats:deadlines_missed'), s.deadlinesMissed.total);
  for (const [category, c] of Object.entries(s.byCategory)) {
    const name = say(`common:category.${category}`);
    count(say('ledger:figures.category', { category: name, figure: say('stats:categories.accepted') }), c.accepted);
    count(say('ledger:figures.category', { category: name, figure: say('stats:categories.settled') }), c.settled);
    rows.push({ figure: say('ledger:figures.category', { category: name, figure: say('stats:categories.rate') }), value: c.settlementRate, count: null, of: null, percent: true });
  }
  for (const d of s.departments) {
    const name = d.name ?? d.code ?? d.id;
    count(say('ledger:figures.department', { name, figure: say('stats:departments.summoned') }), d.summoned);
    count(say('ledger:figures.department', { name, figure: say('stats:departments.reported_in') }), d.reportedIn);
    count(say('ledger:figures.department', { name, figure: say('stats:departments.rating') }), d.averageRating);
  }
  for (const tp of s.byTopic) {
    const name = tp.name ?? say(`common:topic.${tp.topic}`, { defaultValue: tp.topic });
    count(say('ledger:figures.topic', { name, figure: say('stats:topics.accepted') }), tp.accepted);
    count(say('ledger:figures.topic', { name, figure: say('stats:topics.settled') }), tp.settled);
  }
  return rows;
}

/** A pass-through an HTTP reply or a file can read the workbook from while it is written. */
export function xlsxStream(ledger: LedgerExport, job: LedgerJob): PassThrough {
  const out = new PassThrough();
  ledger.xlsx(job, out).catch((err: Error) => out.destroy(err));
  return out;
}
