// `gridline stats`: every figure checked against a count made by hand.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpError, runOp } from '../../../src/app/ops.js';
import { render } from '../../../src/cli/render.js';
import type { ServiceContext } from '../../../src/ports/context.js';
import { gridStats, statsFor, statsNode, type GridStats } from '../../../src/services/stats-service.js';
import { faqAnswers, matters } from '../../../src/store/schema.js';
import { newNode, newOfficer, newPerson, newVillager, type NodeRow, type PersonRow } from '../../support/factories.js';
import { addEvents, newDepartment, reportedMatter } from '../../support/matter-factories.js';
import { testLogger } from '../../support/runtime.js';
import { openTestStore, STORE_KINDS, type TestStore } from '../../support/store.js';

/** 2025-06-10 10:00 in Beijing: every matter of the main set is reported then. */
const DAY = new Date('2025-06-10T02:00:00Z');

describe.each(STORE_KINDS)('stats on %s', (kind) => {
  let store: TestStore;
  let ctx: ServiceContext;
  let county: NodeRow, township: NodeRow, v1: NodeRow, v2: NodeRow, v3: NodeRow;

  const statsOf = async (code: string, range: { from?: string; to?: string } = {}): Promise<GridStats> => {
    const found = await statsNode(store.db, code);
    if (!found.ok) throw new Error(found.reason);
    return gridStats(store.db, found.node, range);
  };

  beforeAll(async () => {
    store = await openTestStore(kind);
    const db = store.db;
    ctx = { db, now: () => new Date(), logger: testLogger, outboxWritten: () => {} };

    county = await newNode(db, { name: '分宜县', level: 'county' });
    township = await newNode(db, { name: '湖泽镇', level: 'township', parent: county });
    v1 = await newNode(db, { name: '水川村', level: 'village', parent: township });
    v2 = await newNode(db, { name: '湖泽村', level: 'village', parent: township });
    v3 = await newNode(db, { name: '下坊村', level: 'village', parent: township });
    const u1 = await newNode(db, { name: '第三组', level: 'unit', parent: v1 });
    const u2 = await newNode(db, { name: '第四组', level: 'unit', parent: v1 });
    const u3 = await newNode(db, { name: '湖泽村第一组', level: 'unit', parent: v2 });
    const u4 = await newNode(db, { name: '下坊村第一组', level: 'unit', parent: v3 });

    const r1 = await newVillager(db, u1, '王秀英');
    const r2 = await newVillager(db, u2, '罗秀英');
    const r3 = await newVillager(db, u3, '陈家明');
    const r4 = await newVillager(db, u4, '黄桂兰');
    const o1 = await newOfficer(db, u1, '李冬梅');
    const o2 = await newOfficer(db, u2, '张建国');
    const o3 = await newOfficer(db, u3, '赵海燕');
    const o4 = await newOfficer(db, u4, '孙立新');
    const leader: PersonRow = await newPerson(db, { name: '刘志强', role: 'grid_leader', at: v1, title: '水川村网格长' });
    const cadre: PersonRow = await newPerson(db, { name: '周文华', role: 'cadre', at: township, title: '湖泽镇综治办主任' });
    const water = await newDepartment(db, { code: 'd-water', name: '县水利局', at: county });
    const land = await newDepartment(db, { code: 'd-land', name: '县自然资源局', at: county });

    const m = (grid: NodeRow, reporter: PersonRow, category: Parameters<typeof reportedMatter>[1]['category'], rest: Partial<Parameters<typeof reportedMatter>[1]> = {}) =>
      reportedMatter(db, { grid, reporter, category, at: DAY, firstAssignee: grid === u2 ? o2 : o1, ...rest });

    // A — consult, settled at the unit by its first assignee, rated satisfied.
    const a = await m(u1, r1, 'consult', { state: 'closed', step: 'evaluate' });
    await addEvents(db, a, [
      { action: 'take', after: 10, by: o1 },
      { action: 'reply', after: 20, by: o1 },
      { action: 'settle', after: 60, by: o1, levelFrom: 'unit', levelTo: 'unit' },
      { action: 'evaluate', after: 70, by: r1, data: { rating: 'satisfied' } },
    ]);

    // B — help, climbed to the village and settled there by the grid leader. The settle event
    // carries no level: the level then comes from the escalate event. A whistle summons the water bureau.
    const b = await m(u1, r1, 'help', { state: 'closed', step: 'evaluate', level: 'village', assignee: leader });
    await addEvents(db, b, [
      { action: 'take', after: 30, by: o1 },
      { action: 'escalate', after: 120, levelFrom: 'unit', levelTo: 'village', assignee: leader },
      { action: 'whistle', after: 150, by: leader, data: { departmentIds: [water.id] } },
      { action: 'report_in', after: 160, data: { departmentId: water.id, late: false } },
      { action: 'settle', after: 240, by: leader },
      { action: 'evaluate', after: 250, by: r1, data: { rating: 'basically_satisfied' } },
    ]);

    // C — complaint, settled at the unit, rated unsatisfied, reopened for the village, climbed to
    // the township and settled there; rated satisfied the second time.
    const c = await m(u1, r1, 'complaint', { state: 'closed', step: 'evaluate', level: 'township', assignee: cadre });
    await addEvents(db, c, [
      { action: 'take', after: 5, by: o1 },
      { action: 'settle', after: 50, by: o1, levelFrom: 'unit', levelTo: 'unit' },
      { action: 'evaluate', after: 100, by: r1, data: { rating: 'unsatisfied' } },
      { action: 'reopen', after: 101, levelFrom: 'unit', levelTo: 'village', assignee: leader },
      { action: 'escalate', after: 400, levelFrom: 'village', levelTo: 'township', assignee: cadre },
      { action: 'settle', after: 500, by: cadre, levelFrom: 'township', levelTo: 'township' },
      { action: 'evaluate', after: 600, by: r1, data: { rating: 'satisfied' } },
    ]);

    // D — dispute, settled the same day by its first assignee; the reply was the implicit take.
    const d = await m(u2, r2, 'dispute', { state: 'settled', step: 'feedback' });
    await addEvents(db, d, [
      { action: 'reply', after: 3, by: o2 },
      { action: 'settle', after: 90, by: o2, levelFrom: 'unit', levelTo: 'unit' },
    ]);

    // E — dispute, taken but still open past its settle limit.
    const e = await m(u1, r1, 'dispute', { state: 'open', step: 'handle' });
    await addEvents(db, e, [
      { action: 'take', after: 15, by: o1 },
      { action: 'deadline_missed', after: 1440, data: { limit: 'settle' } },
    ]);

    // F — hazard, withdrawn before anyone answered.
    const f = await m(u1, r1, 'hazard', { state: 'withdrawn' });
    await addEvents(db, f, [{ action: 'withdraw', after: 10, by: r1 }]);

    // G — other, withdrawn after the officer took it.
    const g = await m(u2, r2, 'other', { state: 'withdrawn', step: 'handle' });
    await addEvents(db, g, [
      { action: 'take', after: 20, by: o2 },
      { action: 'withdraw', after: 30, by: r2 },
    ]);

    // H — help, open; nobody from staff answered (the villager's own reply is not a response).
    const h = await m(u1, r1, 'help', { state: 'open' });
    await addEvents(db, h, [
      { action: 'reply', after: 5, by: r1 },
      { action: 'deadline_missed', after: 60, data: { limit: 'accept' } },
      { action: 'deadline_missed', after: 120, data: { limit: 'reply' } },
    ]);

    // I — hazard, whistle to two departments (one reports in late), settled at the unit by its
    // first assignee, rated unsatisfied and not reopened.
    const i = await m(u1, r1, 'hazard', { state: 'closed', step: 'evaluate' });
    await addEvents(db, i, [
      { action: 'take', after: 10, by: o1 },
      { action: 'whistle', after: 40, by: o1, data: { departmentIds: [water.id, land.id] } },
      { action: 'report_in', after: 60, data: { departmentId: water.id, late: false } },
      { action: 'report_in', after: 200, data: { departmentId: land.id, late: true } },
      { action: 'sign_off', after: 300, data: { departmentId: water.id } },
      { action: 'settle', after: 310, by: o1, levelFrom: 'unit', levelTo: 'unit' },
      { action: 'rate_department', after: 320, by: o1, data: { departmentId: water.id, rating: 4 } },
      { action: 'rate_department', after: 321, by: leader, data: { departmentId: water.id, rating: 5 } },
      { action: 'rate_department', after: 322, by: o1, data: { departmentId: land.id, rating: 2 } },
      { action: 'evaluate', after: 400, by: r1, data: { rating: 'unsatisfied' } },
    ]);

    // J — consult, transferred to the next officer, who settled it: not the first assignee.
    const j = await m(u1, r1, 'consult', { state: 'settled', step: 'feedback', assignee: o2 });
    await addEvents(db, j, [
      { action: 'transfer', after: 10, by: o1, assignee: o2 },
      { action: 'take', after: 15, by: o2 },
      { action: 'settle', after: 40, by: o2, levelFrom: 'unit', levelTo: 'unit' },
    ]);

    // K — 湖泽村's matter, settled at the unit by its first assignee.
    const k = await m(u3, r3, 'consult', { state: 'settled', step: 'feedback', firstAssignee: o3 });
    await addEvents(db, k, [
      { action: 'take', after: 1, by: o3 },
      { action: 'settle', after: 2, by: o3, levelFrom: 'unit', levelTo: 'unit' },
    ]);

    // 下坊村, for the date range: reported around the ends of March 2025, Beijing time.
    for (const at of [
      '2025-02-28T15:50:00Z', // 2025-02-28 23:50 Beijing: before --from
      '2025-02-28T16:05:00Z', // 2025-03-01 00:05 Beijing: first minutes of --from
      '2025-03-31T15:30:00Z', // 2025-03-31 23:30 Beijing: last hour of --to
      '2025-03-31T16:10:00Z', // 2025-04-01 00:10 Beijing: after --to
    ]) {
      await reportedMatter(db, { grid: u4, reporter: r4, category: 'help', at: new Date(at), firstAssignee: o4 });
    }
  });

  afterAll(async () => {
    await store?.close();
  });

  it('counts every figure of a village as counted by hand', async () => {
    const s = await statsOf(v1.code);
    expect(s.grid).toMatchObject({ code: v1.code, name: '水川村', level: 'village', timezone: 'Asia/Shanghai' });
    // A B C D E F G H I J
    expect(s.accepted).toBe(10);
    expect(s.byCategory).toEqual({
      consult: { accepted: 2, settled: 2, open: 0, withdrawn: 0, settlementRate: 1 }, // A J
      help: { accepted: 2, settled: 1, open: 1, withdrawn: 0, settlementRate: 0.5 }, // B H
      complaint: { accepted: 1, settled: 1, open: 0, withdrawn: 0, settlementRate: 1 }, // C
      dispute: { accepted: 2, settled: 1, open: 1, withdrawn: 0, settlementRate: 0.5 }, // D E
      hazard: { accepted: 2, settled: 1, open: 0, withdrawn: 1, settlementRate: 1 }, // F I
      other: { accepted: 1, settled: 0, open: 0, withdrawn: 1, settlementRate: null }, // G
    });
    // settled: A B C D I J; open: E H; withdrawn: F G
    expect([s.settled, s.open, s.withdrawn]).toEqual([6, 2, 2]);
    // 6 / (10 − 2)
    expect(s.settlementRate).toEqual({ count: 6, of: 8, rate: 0.75 });
    // A D I; not B (escalated), C (reopened), J (settled by the second officer)
    expect(s.firstContact).toEqual({ count: 3, of: 6, rate: 0.5 });
    // unit: A D I J; village: B (from its escalate); township: C (settled again after reopening)
    expect(s.settledAt.unit).toEqual({ count: 4, of: 6, rate: 4 / 6 });
    expect(s.settledAt.village).toEqual({ count: 1, of: 6, rate: 1 / 6 });
    expect(s.settledAt.township).toEqual({ count: 1, of: 6, rate: 1 / 6 });
    expect(s.settledAt.county).toEqual({ count: 0, of: 6, rate: 0 });
    expect(s.withinVillage).toEqual({ count: 5, of: 6, rate: 5 / 6 });
    expect(s.withinTownship).toEqual({ count: 6, of: 6, rate: 1 });
    // of A B C D E G H I J (F withdrawn before any answer): all but H
    expect(s.response).toEqual({ count: 8, of: 9, rate: 8 / 9 });
    // last ratings: A satisfied, B basically, C satisfied (after unsatisfied), I unsatisfied
    expect(s.satisfaction).toEqual({ evaluated: 4, satisfied: 2, basicallySatisfied: 1, unsatisfied: 1, rate: 0.75 });
    // accept: D 3, C 5, A 10, I 10, E 15, J 15, G 20, B 30 → (10 + 15) / 2
    // settle (first settle): J 40, C 50, A 60, D 90, B 240, I 310 → (60 + 90) / 2
    expect(s.medianMinutes).toEqual({ accept: 12.5, acceptSamples: 8, settle: 75, settleSamples: 6 });
    // E settle, H accept, H reply
    expect(s.deadlinesMissed).toEqual({ total: 3, accept: 1, reply: 1, settle: 1 });
    // water: summoned on B and I, reported in on both, signed off on I, rated 4 and 5;
    // land: summoned on I, reported in late, rated 2
    expect(s.departments).toEqual([
      { id: expect.any(String), code: 'd-water', name: '县水利局', summoned: 2, reportedIn: 2, reportedLate: 0, signedOff: 1, ratings: 2, averageRating: 4.5 },
      { id: expect.any(String), code: 'd-land', name: '县自然资源局', summoned: 1, reportedIn: 1, reportedLate: 1, signedOff: 0, ratings: 1, averageRating: 2 },
    ]);
  });

  it("keeps one village's matters out of another village's figures", async () => {
    const other = await statsOf(v2.code);
    expect(other.accepted).toBe(1); // K
    expect(other.firstContact).toEqual({ count: 1, of: 1, rate: 1 });
    expect(other.departments).toEqual([]);
    const first = await statsOf(v1.code);
    expect(first.byCategory.consult.accepted).toBe(2); // A J, not K
    // The township sees both villages and 下坊村: A–J, K and the four of March.
    const town = await statsOf(township.code);
    expect(town.accepted).toBe(15);
    expect(town.byCategory.consult.accepted).toBe(3);
  });

  it('uses the root of the tree when no grid is named', async () => {
    const found = await statsNode(store.db);
    expect(found.ok && found.node.code).toBe(county.code);
    const s = (await runOp(ctx, 'stats', {})) as GridStats;
    expect(s.grid.code).toBe(county.code);
    expect(s.accepted).toBe(15);
  });

  it('counts matters by the day they were reported, in the grid’s time zone, --to inclusive', async () => {
    const march = await statsOf(v3.code, { from: '2025-03-01', to: '2025-03-31' });
    // 03-01 00:05 and 03-31 23:30 are in; 02-28 23:50 and 04-01 00:10 are out.
    expect(march.accepted).toBe(2);
    expect(march.range).toEqual({ from: '2025-03-01', to: '2025-03-31' });
    expect((await statsOf(v3.code, { to: '2025-03-31' })).accepted).toBe(3);
    expect((await statsOf(v3.code, { from: '2025-04-01' })).accepted).toBe(1);
    expect((await statsOf(v3.code, { from: '2025-03-31', to: '2025-03-31' })).accepted).toBe(1);
  });

  it('reports zero and no rates on an empty range', async () => {
    const s = await statsOf(v1.code, { from: '2030-01-01', to: '2030-01-31' });
    expect(s.accepted).toBe(0);
    expect(s.settlementRate).toEqual({ count: 0, of: 0, rate: null });
    expect(s.firstContact.rate).toBeNull();
    expect(s.withinVillage.rate).toBeNull();
    expect(s.satisfaction.rate).toBeNull();
    expect(s.medianMinutes).toEqual({ accept: null, acceptSamples: 0, settle: null, settleSamples: 0 });
    expect(render('stats', s, 'zh-CN', 'Asia/Shanghai')).toMatch(/办结率\s+│ —/);
  });

  it('refuses bad dates and unknown grids with clear errors', async () => {
    const fail = async (args: Record<string, unknown>) => {
      try {
        await runOp(ctx, 'stats', args);
      } catch (err) {
        expect(err).toBeInstanceOf(OpError);
        return { key: (err as OpError).key, params: (err as OpError).params };
      }
      throw new Error('expected a refusal');
    };
    expect(await fail({ from: '2025-13-01' })).toEqual({ key: 'cli:errors.bad_date', params: { option: '--from', value: '2025-13-01' } });
    expect(await fail({ to: '2025-02-30' })).toEqual({ key: 'cli:errors.bad_date', params: { option: '--to', value: '2025-02-30' } });
    expect(await fail({ from: '2025/03/01' })).toMatchObject({ key: 'cli:errors.bad_date' });
    expect(await fail({ from: '2025-04-01', to: '2025-03-01' })).toEqual({ key: 'cli:errors.bad_date_range', params: { from: '2025-04-01', to: '2025-03-01' } });
    expect(await fail({ grid: 'no-such-grid' })).toEqual({ key: 'cli:errors.unknown_grid', params: { grid: 'no-such-grid' } });
    expect(await fail({ period: 'this_month', from: '2025-03-01' })).toMatchObject({ key: 'cli:errors.period_and_dates' });
  });

  it('takes --period: this month read on the service clock’s day, in the grid’s zone', async () => {
    const onDay = { ...ctx, now: () => DAY };
    const june = (await runOp(onDay, 'stats', { grid: v1.code, period: 'this_month' })) as GridStats;
    expect(june.period).toEqual({ kind: 'this_month' });
    expect(june.range).toEqual({ from: '2025-06-01', to: '2025-06-30' });
    expect(june.accepted).toBe(10);
    expect(((await runOp(onDay, 'stats', { grid: v1.code, period: 'last_month' })) as GridStats).accepted).toBe(0);
    expect(render('stats', june, 'zh-CN', 'Asia/Shanghai')).toContain('本月（2025-06-01 至 2025-06-30）');
  });

  it('renders the headline first, in the reader’s language', async () => {
    const s = (await runOp(ctx, 'stats', { grid: v1.code })) as GridStats;
    const zh = render('stats', s, 'zh-CN', 'Asia/Shanghai');
    const lines = zh.split('\n');
    expect(lines.slice(0, 4).join('\n')).toContain('小事不出村');
    expect(zh).toContain('83.3%'); // 5 of 6 settled within the village
    expect(zh).toContain('办结率');
    expect(zh).toContain('初信初访化解率');
    expect(zh).toContain('县水利局');
    const en = render('stats', s, 'en', 'Asia/Shanghai');
    expect(en).toContain('75.0%');
    expect(en).toContain('12.5 min');
    expect(render('stats', s, 'zh-TW', 'Asia/Shanghai')).toContain('辦結率');
  });

  it('asks for --grid when the tree has several roots', async () => {
    const other = await newNode(store.db, { name: '渝水区', level: 'county' });
    const err = await runOp(ctx, 'stats', {}).catch((e: unknown) => e);
    expect(err).toMatchObject({ key: 'cli:errors.stats_many_roots' });
    expect(String((err as OpError).params.roots).split(', ').sort()).toEqual([county.code, other.code].sort());
    expect(((await runOp(ctx, 'stats', { grid: other.code })) as GridStats).accepted).toBe(0);
  });
  it('counts overdue, 督办, 代办 and 答疑, settles per week and compares the grids below, every grid in one go', async () => {
    const db = store.db;
    const v4 = await newNode(db, { name: '坪上村', level: 'village', parent: township });
    const u5 = await newNode(db, { name: '坪上村第一组', level: 'unit', parent: v4 });
    const u6 = await newNode(db, { name: '坪上村第二组', level: 'unit', parent: v4 });
    const villager = await newVillager(db, u5, '钟桂英');
    const officer = await newOfficer(db, u5, '钟建华');
    /** 2025-06-20 10:00 in Beijing. */
    const NOW = new Date('2025-06-20T02:00:00Z');
    const at = (s: string) => new Date(`${s}+08:00`);

    // 代办: filed by the officer for the villager; open and past its limit.
    const errand = await reportedMatter(db, { grid: u5, reporter: villager, category: 'help', at: at('2025-06-16T10:00:00'), firstAssignee: officer });
    await db.update(matters).set({ recordedById: officer.id, dueAt: at('2025-06-19T10:00:00') }).where(eq(matters.id, errand.id));
    // Open, due tomorrow: not overdue.
    const open = await reportedMatter(db, { grid: u5, reporter: villager, category: 'consult', at: at('2025-06-18T10:00:00'), firstAssignee: officer });
    await db.update(matters).set({ dueAt: at('2025-06-21T10:00:00') }).where(eq(matters.id, open.id));
    // 发现: the officer's own patrol record has no reporter: not an errand.
    const patrol = await reportedMatter(db, { grid: u5, reporter: villager, category: 'hazard', at: at('2025-06-18T11:00:00'), firstAssignee: officer });
    await db.update(matters).set({ reporterId: null, recordedById: officer.id }).where(eq(matters.id, patrol.id));
    // 督办, then settled a week later (the week of Monday 2025-06-16).
    const supervised = await reportedMatter(db, { grid: u6, reporter: villager, category: 'dispute', at: at('2025-06-09T10:00:00'), state: 'settled', step: 'feedback', firstAssignee: officer });
    await addEvents(db, supervised, [
      { action: 'supervise', after: 60, by: officer },
      { action: 'settle', after: 7 * 24 * 60, by: officer, levelFrom: 'unit', levelTo: 'unit' },
    ]);
    // 答疑: one answer that settled it, one that became the errand's matter, one in May at 第二组.
    await db.insert(faqAnswers).values([
      { gridNodeId: u5.id, faqCode: 'dibao', answeredAt: at('2025-06-18T09:00:00') },
      { gridNodeId: u5.id, faqCode: 'dibao', answeredAt: at('2025-06-16T09:59:00'), matterId: errand.id },
      { gridNodeId: u6.id, faqCode: 'jiegan', answeredAt: at('2025-05-31T23:30:00') },
    ]);

    const [june] = await statsFor(db, [v4], { kind: 'this_month' }, NOW);
    expect(june!.period).toEqual({ kind: 'this_month' });
    expect(june!.range).toEqual({ from: '2025-06-01', to: '2025-06-30' });
    expect(june).toMatchObject({ accepted: 4, settled: 1, open: 3, overdue: 1, supervised: 1, errands: 1, faqAnswers: 1 });
    expect(june!.settledByWeek).toEqual([{ week: '2025-06-16', settled: 1 }]);
    // In tree order (codes); compared by name here.
    const children = ['坪上村第一组', '坪上村第二组'].map((name) => june!.children.find((c) => c.grid.name === name)!);
    expect(june!.children).toHaveLength(2);
    expect(children.map((c) => [c.grid.name, c.accepted, c.settled, c.overdue, c.faqAnswers, c.errands, c.settlementRate.rate])).toEqual([
      ['坪上村第一组', 3, 0, 1, 1, 1, 0],
      ['坪上村第二组', 1, 1, 0, 0, 0, 1],
    ]);
    const [may] = await statsFor(db, [v4], { kind: 'last_month' }, NOW);
    expect(may).toMatchObject({ accepted: 0, faqAnswers: 1, settlementRate: { rate: null } });
    expect((await statsFor(db, [v4], { kind: 'all' }, NOW))[0]!.faqAnswers).toBe(2);

    // Several grids at once (a desk, the grids below) are each exactly what they are alone.
    const nodes = [v1, v4, township, county];
    const together = await statsFor(db, nodes, { kind: 'all' }, NOW);
    const alone = await Promise.all(nodes.map(async (n) => (await statsFor(db, [n], { kind: 'all' }, NOW))[0]));
    expect(together).toEqual(alone);
    expect(together[2]!.children.map((c) => c.grid.name)).toEqual(expect.arrayContaining(['水川村', '湖泽村', '下坊村', '坪上村']));
    expect(together[2]!.children.find((c) => c.grid.name === '坪上村')).toMatchObject({ accepted: 4, errands: 1, faqAnswers: 2 });
  });
});
