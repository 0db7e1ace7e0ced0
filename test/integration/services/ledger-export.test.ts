// The ledger as a file, on both stores: what a cadre downloads (CSV with BOM, XLSX with three
// sheets), whose phones it carries, who is refused, and that rows come in batches from the store.
import { eq } from 'drizzle-orm';
import ExcelJS from 'exceljs';
import Fastify from 'fastify';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ledgerExportRoutes } from '../../../src/http/ledger-export-routes.js';
import type { ServiceContext } from '../../../src/ports/context.js';
import { ADMINISTRATOR, LedgerExport, neutraliseCell, xlsxStream, type LedgerJob } from '../../../src/services/ledger-export.js';
import { ledgerMatters } from '../../../src/store/repositories/ledger-repository.js';
import { gridNodes, people } from '../../../src/store/schema.js';
import { newNode, newOfficer, newPerson, newTree, newVillager, type NodeRow, type PersonRow, type Tree } from '../../support/factories.js';
import { addEvents, reportedMatter } from '../../support/matter-factories.js';
import { testLogger } from '../../support/runtime.js';
import { openTestStore, STORE_KINDS, type TestStore } from '../../support/store.js';

const text = async (s: NodeJS.ReadableStream) => {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks);
};

/** A CSV's rows (quoted cells with commas, quotes and line breaks inside). */
function parseCsv(body: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (quoted) {
      if (ch === '"' && body[i + 1] === '"') (cell += '"'), i++;
      else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') row.push(cell), (cell = '');
    else if (ch === '\n') row.push(cell), rows.push(row), (row = []), (cell = '');
    else if (ch !== '\r') cell += ch;
  }
  if (cell || row.length) row.push(cell), rows.push(row);
  return rows;
}

describe.each(STORE_KINDS)('the ledger as a file on %s', (kind) => {
  let store: TestStore;
  let ctx: ServiceContext;
  let ledger: LedgerExport;
  let tree: Tree;
  let otherTownship: NodeRow;
  let townshipCadre: PersonRow;
  let villageCadre: PersonRow;
  let strangerCadre: PersonRow;
  let villager: PersonRow;
  let officer: PersonRow;
  const now = new Date('2026-03-04T02:00:00Z');

  beforeAll(async () => {
    store = await openTestStore(kind);
    ctx = { db: store.db, now: () => now, logger: testLogger, outboxWritten: () => {} };
    ledger = new LedgerExport(ctx);
  });
  afterAll(async () => {
    await store?.close();
  });

  beforeEach(async () => {
    await store.reset();
    tree = await newTree(store.db);
    otherTownship = await newNode(store.db, { name: '双林镇', level: 'township', parent: tree.county });
    townshipCadre = await newPerson(store.db, { name: '赵镇长', role: 'cadre', at: tree.township });
    villageCadre = await newPerson(store.db, { name: '钱书记', role: 'cadre', at: tree.village });
    strangerCadre = await newPerson(store.db, { name: '孙干部', role: 'cadre', at: otherTownship });
    villager = await newVillager(store.db, tree.unit, '王秀英');
    await store.db.update(people).set({ phone: '13907900101' }).where(eq(people.id, villager.id));
    officer = await newOfficer(store.db, tree.unit, '李冬梅');
    const hostile = ['=HYPERLINK("http://x","点我")', '+86 139', '-1+1', '@SUM(A1)', '\t=1', '自来水管爆了，"急"，\n请尽快'];
    for (const [i, summary] of hostile.entries()) {
      const m = await reportedMatter(store.db, { grid: tree.unit, reporter: villager, category: i % 2 ? 'help' : 'dispute', at: new Date(Date.UTC(2026, 2, 1, 1, i)), firstAssignee: officer, summary, state: i === 0 ? 'settled' : 'open' });
      if (i === 0) await addEvents(store.db, m, [{ action: 'settle', after: 30, by: officer }, { action: 'evaluate', after: 40, by: villager, data: { rating: 'satisfied' } }]);
    }
    // Outside the period, and in another township.
    await reportedMatter(store.db, { grid: tree.unit, reporter: villager, category: 'help', at: new Date('2026-02-10T01:00:00Z'), summary: '二月的事' });
    const otherUnit = await newNode(store.db, { name: '一组', level: 'unit', parent: await newNode(store.db, { name: '东村', level: 'village', parent: otherTownship }) });
    await reportedMatter(store.db, { grid: otherUnit, reporter: await newVillager(store.db, otherUnit, '周大娘'), category: 'help', at: new Date('2026-03-01T03:00:00Z'), summary: '别镇的事' });
  });

  const prepared = async (viewer: string | typeof ADMINISTRATOR, node: string, range: { from?: string; to?: string } = { from: '2026-03-01', to: '2026-03-31' }): Promise<LedgerJob> => {
    const access = await ledger.prepare(viewer, { node, ...range });
    if (!access.ok) throw new Error(`refused: ${access.refusal.key}`);
    return access.job;
  };

  it('gives a township cadre the CSV of her township: BOM, Chinese headers, formula-like cells neutralised, no villagers’ phones', async () => {
    const job = await prepared(townshipCadre.id, tree.township.code);
    const body = await text(ledger.csv(job));
    expect([...body.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows = parseCsv(body.subarray(3).toString('utf8'));
    expect(rows[0]).toContain('受理编号');
    expect(rows[0]).toContain('反映内容');
    expect(rows[0]).not.toContain('反映人电话');
    expect(rows).toHaveLength(1 + 6);
    const summaries = rows.slice(1).map((r) => r[rows[0]!.indexOf('反映内容')]);
    expect(summaries).toEqual([`'=HYPERLINK("http://x","点我")`, "'+86 139", "'-1+1", "'@SUM(A1)", "'\t=1", '自来水管爆了，"急"，\n请尽快']);
    expect(body.toString('utf8')).not.toContain('13907900101');
    const first = rows[1]!;
    expect(first[rows[0]!.indexOf('类别')]).toBe('纠纷');
    expect(first[rows[0]!.indexOf('状态')]).toBe('已办结');
    expect(first[rows[0]!.indexOf('群众评价')]).toBe('满意');
    expect(first[rows[0]!.indexOf('反映时间')]).toBe('2026-03-01 09:00');
  });

  it('carries villagers’ phones for the village cadre, and for a township cadre once the roster allows it', async () => {
    const village = await text(ledger.csv(await prepared(villageCadre.id, tree.village.code)));
    expect(village.toString('utf8')).toContain('反映人电话');
    expect(village.toString('utf8')).toContain('13907900101');
    await store.db.update(gridNodes).set({ phoneRoles: ['cadre'] }).where(eq(gridNodes.id, tree.township.id));
    const township = await text(ledger.csv(await prepared(townshipCadre.id, tree.village.code)));
    expect(township.toString('utf8')).toContain('13907900101');
  });

  it('refuses a node of another township, an unknown node, a villager, and bad dates, in the reader’s language', async () => {
    expect(await ledger.prepare(strangerCadre.id, { node: tree.village.code })).toMatchObject({ ok: false, refusal: { status: 403, key: 'ledger:errors.forbidden' } });
    expect(await ledger.prepare(townshipCadre.id, { node: otherTownship.code })).toMatchObject({ ok: false, refusal: { status: 403 } });
    expect(await ledger.prepare(townshipCadre.id, { node: 'no-such-grid' })).toMatchObject({ ok: false, refusal: { status: 403 } });
    expect(await ledger.prepare(villager.id, { node: tree.unit.code })).toMatchObject({ ok: false, refusal: { status: 403 } });
    expect(await ledger.prepare(ADMINISTRATOR, { node: 'no-such-grid' })).toMatchObject({ ok: false, refusal: { status: 404, key: 'ledger:errors.unknown_grid' } });
    expect(await ledger.prepare(townshipCadre.id, { node: tree.township.code, from: '2026-02-30' })).toMatchObject({ ok: false, refusal: { status: 400, key: 'ledger:errors.bad_date' } });
    expect(await ledger.prepare(townshipCadre.id, { node: tree.township.code, from: '2026-03-02', to: '2026-03-01' })).toMatchObject({ ok: false, refusal: { key: 'ledger:errors.bad_range' } });
  });

  it('writes the XLSX with matters, events and figures: frozen header, filters, Chinese intact, formulas kept as text', async () => {
    const job = await prepared(townshipCadre.id, tree.township.code);
    const body = await text(xlsxStream(ledger, job));
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(body as never);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['事项', '办理经过', '统计']);
    const [mattersSheet, events, figures] = wb.worksheets as [ExcelJS.Worksheet, ExcelJS.Worksheet, ExcelJS.Worksheet];
    expect(mattersSheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(mattersSheet.autoFilter).toBeTruthy();
    expect(mattersSheet.rowCount).toBe(7);
    const header = (mattersSheet.getRow(1).values as unknown[]).slice(1);
    const cell = mattersSheet.getRow(2).getCell(header.indexOf('反映内容') + 1);
    expect(cell.type).toBe(ExcelJS.ValueType.String);
    expect(cell.value).toBe('=HYPERLINK("http://x","点我")');
    expect(mattersSheet.getRow(7).getCell(header.indexOf('反映内容') + 1).value).toBe('自来水管爆了，"急"，\n请尽快');
    // report, receive, route for each of six matters, and the first one's settle and evaluate.
    expect(events.rowCount).toBe(1 + 6 * 3 + 2);
    expect((events.getRow(1).values as unknown[]).slice(1)).toContain('环节');
    const figureNames = (figures.getColumn(1).values as unknown[]).filter(Boolean);
    expect(figureNames).toContain('受理事项');
    const accepted = figures.getRow(figureNames.indexOf('受理事项') + 1).getCell(2).value;
    expect(accepted).toBe(6);
  });

  it('reads the rows in batches, oldest first, the same whatever the batch size', async () => {
    const scope = { path: tree.township.path, timezone: 'Asia/Shanghai', now, phones: false };
    const batches: number[] = [];
    const refs: string[] = [];
    for await (const b of ledgerMatters(store.db, scope, 2)) {
      batches.push(b.length);
      refs.push(...b.map((m) => m.ref));
    }
    expect(batches).toEqual([2, 2, 2, 1]);
    const all: string[] = [];
    for await (const b of ledgerMatters(store.db, scope)) all.push(...b.map((m) => m.ref));
    expect(refs).toEqual(all);
    expect(new Set(refs).size).toBe(7);
  });

  it('serves /desk/export.csv and .xlsx to the signed-in reader only', async () => {
    const app = Fastify();
    app.register(ledgerExportRoutes({ ledger, viewerOf: (req) => (req.headers['x-test-viewer'] as string | undefined) ?? null }));
    try {
      const anon = await app.inject({ url: `/desk/export.csv?node=${tree.township.code}` });
      expect(anon.statusCode).toBe(401);
      expect(anon.body).toContain('请先登录');
      const foreign = await app.inject({ url: `/desk/export.csv?node=${otherTownship.code}`, headers: { 'x-test-viewer': townshipCadre.id } });
      expect(foreign.statusCode).toBe(403);
      expect(foreign.body).toContain('只能下载自己负责的网格');
      const badDate = await app.inject({ url: `/desk/export.csv?node=${tree.township.code}&from=2026-13-01&lang=en`, headers: { 'x-test-viewer': townshipCadre.id } });
      expect(badDate.statusCode).toBe(400);
      expect(badDate.body).toContain('YYYY-MM-DD');
      const csv = await app.inject({ url: `/desk/export.csv?node=${tree.township.code}&from=2026-03-01&sheet=events`, headers: { 'x-test-viewer': townshipCadre.id } });
      expect(csv.statusCode).toBe(200);
      expect(csv.headers['content-type']).toContain('text/csv');
      expect(csv.headers['content-disposition']).toContain(`ledger-${tree.township.code}-2026-03-01-events.csv`);
      expect(csv.rawPayload.subarray(0, 3).toString('hex')).toBe('efbbbf');
      expect(csv.rawPayload.toString('utf8')).toContain('环节');
      const xlsx = await app.inject({ url: `/desk/export.xlsx?node=${tree.village.code}`, headers: { 'x-test-viewer': villageCadre.id } });
      expect(xlsx.statusCode).toBe(200);
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.read(Readable.from(xlsx.rawPayload));
      expect(wb.worksheets[0]!.getRow(1).values).toContain('反映人电话');
    } finally {
      await app.close();
    }
  });

  it('neutralises every cell a spreadsheet would take for a formula, and nothing else', () => {
    for (const v of ['=1', '+1', '-1', '@a', '\tx', '\rx']) expect(neutraliseCell(v)).toBe(`'${v}`);
    for (const v of ['1', '王秀英', ' =1', '']) expect(neutraliseCell(v)).toBe(v);
  });
});
