// 网格吹哨、部门报到 on both stores, with the clock moved by the test: summons, report-in within
// the department's limit, the township alerted for a late one, sign-off before settlement, the
// township's rating, and the refusals (forged report-ins, foreign departments, wrong people).
import { and, asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runOp } from '../../../src/app/ops.js';
import { render } from '../../../src/cli/render.js';
import type { ServiceContext } from '../../../src/ports/context.js';
import { intake } from '../../../src/services/intake-service.js';
import { parseActionData, performAction } from '../../../src/services/matter-actions.js';
import { renderDelivery } from '../../../src/services/notify-service.js';
import { routeMatter } from '../../../src/services/routing-service.js';
import { gridStats } from '../../../src/services/stats-service.js';
import { REPORT_IN_JOB, reportInDue } from '../../../src/services/whistle-service.js';
import { deliveries, matterEvents, matters, outbox, summons } from '../../../src/store/schema.js';
import { newDepartmentWithLiaison } from '../../support/alert-factories.js';
import { newGridLeader, newNode, newOfficer, newPerson, newTree, newVillager, type Tree } from '../../support/factories.js';
import { testLogger } from '../../support/runtime.js';
import { openTestStore, STORE_KINDS, type TestStore } from '../../support/store.js';

const MIN = 60_000;

describe.each(STORE_KINDS)('the whistle on %s', (kind) => {
  let store: TestStore;
  let ctx: ServiceContext;
  let tree: Tree;
  let clock = new Date('2026-11-27T02:00:00Z'); // 10:00 in 湖泽镇
  let n = 0;

  beforeAll(async () => {
    store = await openTestStore(kind);
    ctx = { db: store.db, now: () => clock, logger: testLogger, outboxWritten: () => {} };
  });
  afterAll(async () => {
    await store?.close();
  });
  beforeEach(async () => {
    await store.reset();
    clock = new Date('2026-11-27T02:00:00Z');
    tree = await newTree(store.db);
  });

  const later = (minutes: number) => {
    clock = new Date(clock.getTime() + minutes * MIN);
  };

  async function cast() {
    const officer = await newOfficer(store.db, tree.unit, '李冬梅', { telegram: '2002' });
    const leader = await newGridLeader(store.db, tree.village, '张国华', { telegram: '2009' });
    const townCadre = await newPerson(store.db, { name: '何建军', role: 'grid_leader', at: tree.township, telegram: '3001', title: '湖泽镇网格长' });
    const villager = await newVillager(store.db, tree.unit, '罗秀英', { telegram: '1001' });
    const justice = await newDepartmentWithLiaison(store.db, { code: 'county-justice', name: '县司法局', at: tree.county, liaison: '周法明', telegram: '5001', reportInMinutes: 30 });
    const police = await newDepartmentWithLiaison(store.db, { code: 'huze-police', name: '湖泽派出所', at: tree.township, liaison: '吴警官', telegram: '5002', reportInMinutes: 20 });
    const natres = await newDepartmentWithLiaison(store.db, { code: 'county-natres', name: '县自然资源局', at: tree.county, liaison: '孙国土', telegram: '5003' });
    return { officer, leader, townCadre, villager, justice, police, natres };
  }

  async function dispute(text = '宅基地界址起了纠纷，两家人吵到村口了') {
    const r = await intake(ctx, { eventId: `w:${++n}`, platform: 'telegram', externalUserId: '1001', kind: 'report', category: 'dispute', text, receivedAt: clock.toISOString() });
    if (r.status !== 'created') throw new Error(r.status);
    await routeMatter(ctx, r.matter.id);
    return (await store.db.select().from(matters).where(eq(matters.id, r.matter.id)))[0]!;
  }

  const eventsOf = async (matterId: string) =>
    store.db.select().from(matterEvents).where(eq(matterEvents.matterId, matterId)).orderBy(asc(matterEvents.id));
  const templatesFor = async (matterId: string, personId: string) =>
    (await store.db.select().from(deliveries).where(and(eq(deliveries.matterId, matterId), eq(deliveries.personId, personId)))).map((d) => d.template);

  it('summons two departments, alerts the township for the late one, settles only after both sign off, and the township rates each', async () => {
    const p = await cast();
    const m = await dispute();
    await performAction(ctx, { matter: m.ref, actorId: p.officer.id, request: { action: 'take' } });

    const t0 = clock;
    const w = await performAction(ctx, { matter: m.ref, actorId: p.officer.id, request: { action: 'whistle', departments: ['county-justice', p.police.dept.id], reason: '界址要司法所调解、派出所到场维持秩序' } });
    expect(w.ok).toBe(true);
    const rows = await store.db.select().from(summons).where(eq(summons.matterId, m.id));
    expect(rows.map((r) => [r.departmentId, r.reportDueAt.getTime() - t0.getTime()]).sort()).toEqual(
      [[p.justice.dept.id, 30 * MIN], [p.police.dept.id, 20 * MIN]].sort(),
    );
    // The report-in deadlines wait in the outbox for their time.
    const due = await store.db.select().from(outbox).where(eq(outbox.queue, REPORT_IN_JOB));
    expect(due.map((o) => o.runAt!.getTime() - t0.getTime()).sort()).toEqual([20 * MIN, 30 * MIN]);

    // Each liaison gets a summons whose button carries the department's code.
    const [summoned] = await store.db.select().from(deliveries).where(and(eq(deliveries.personId, p.justice.liaison.id), eq(deliveries.template, 'summoned')));
    const shown = renderDelivery(summoned!, 'zh-CN', 'Asia/Shanghai');
    expect(shown.text).toContain('县司法局');
    expect(shown.text).toContain('界址要司法所调解');
    expect(shown.buttons?.flat().map((a) => [a.label, parseActionData(a.data)])).toEqual([
      ['报到', { action: 'report_in', ref: m.ref, arg: 'county-justice' }],
      ['本部门办结', { action: 'sign_off', ref: m.ref, arg: 'county-justice' }],
    ]);

    later(10);
    const justiceIn = await performAction(ctx, { matter: m.ref, actorId: p.justice.liaison.id, request: { action: 'report_in', department: 'county-justice' } });
    expect(justiceIn.ok).toBe(true);

    // The police miss their 20 minutes: the township is alerted, once.
    later(15);
    const policeRow = rows.find((r) => r.departmentId === p.police.dept.id)!;
    const justiceRow = rows.find((r) => r.departmentId === p.justice.dept.id)!;
    expect(await reportInDue(ctx, policeRow.id)).toMatchObject({ outcome: 'alerted', township: tree.township.code, alerts: 1, held: 0 });
    expect(await reportInDue(ctx, policeRow.id)).toEqual({ outcome: 'already_alerted' });
    expect(await reportInDue(ctx, justiceRow.id)).toEqual({ outcome: 'reported_in' });
    expect(await templatesFor(m.id, p.townCadre.id)).toEqual(['summons_overdue']);
    const [alert] = await store.db.select().from(deliveries).where(eq(deliveries.template, 'summons_overdue'));
    expect(alert!.gridNodeId).toBe(tree.township.id);
    expect(renderDelivery(alert!, 'zh-CN', 'Asia/Shanghai').text).toContain('湖泽派出所没有在');

    later(15);
    expect((await performAction(ctx, { matter: m.ref, actorId: p.police.liaison.id, request: { action: 'report_in' } })).ok).toBe(true);

    // Settling waits for both departments.
    expect(await performAction(ctx, { matter: m.ref, actorId: p.officer.id, request: { action: 'settle', result: '已调解' } })).toMatchObject({ ok: false, code: 'departments_pending' });
    expect((await performAction(ctx, { matter: m.ref, actorId: p.police.liaison.id, request: { action: 'sign_off', note: '现场秩序已维持' } })).ok).toBe(true);
    expect(await performAction(ctx, { matter: m.ref, actorId: p.officer.id, request: { action: 'settle', result: '已调解' } })).toMatchObject({ ok: false, code: 'departments_pending' });
    expect((await performAction(ctx, { matter: m.ref, actorId: p.justice.liaison.id, request: { action: 'sign_off', department: p.justice.dept.id, note: '双方签了调解协议' } })).ok).toBe(true);
    expect(await templatesFor(m.id, p.officer.id)).toEqual(['assigned', 'department_reported_in', 'department_reported_in', 'department_signed_off', 'departments_done']);
    const settled = await performAction(ctx, { matter: m.ref, actorId: p.officer.id, request: { action: 'settle', result: '双方签了调解协议，界桩重新埋好' } });
    expect(settled.ok && settled.matter.state).toBe('settled');

    // The township rates each part; the village may not, nor twice, nor off the scale.
    expect(await performAction(ctx, { matter: m.ref, actorId: p.leader.id, request: { action: 'rate_department', department: 'county-justice', rating: 5 } })).toMatchObject({ ok: false, code: 'not_permitted' });
    expect(await performAction(ctx, { matter: m.ref, actorId: p.townCadre.id, request: { action: 'rate_department', department: 'county-justice', rating: 6 } })).toMatchObject({ ok: false, code: 'invalid_rating' });
    expect((await performAction(ctx, { matter: m.ref, actorId: p.townCadre.id, request: { action: 'rate_department', department: 'county-justice', rating: 5, comment: '调解及时' } })).ok).toBe(true);
    expect((await performAction(ctx, { matter: m.ref, actorId: p.townCadre.id, request: { action: 'rate_department', department: 'huze-police', rating: 3 } })).ok).toBe(true);
    expect(await performAction(ctx, { matter: m.ref, actorId: p.townCadre.id, request: { action: 'rate_department', department: 'huze-police', rating: 4 } })).toMatchObject({ ok: false, code: 'not_now' });
    expect(await performAction(ctx, { matter: m.ref, actorId: p.townCadre.id, request: { action: 'rate_department', department: 'county-natres', rating: 4 } })).toMatchObject({ ok: false, code: 'invalid_target' });

    // The ledger carries exactly what the figures are computed from.
    const events = (await eventsOf(m.id)).filter((e) => ['whistle', 'report_in', 'report_in_overdue', 'sign_off', 'settle', 'rate_department'].includes(e.action));
    const strip = (d: Record<string, unknown> | null) => d && Object.fromEntries(Object.entries(d).filter(([k]) => !['summonsId', 'reason', 'alerted'].includes(k)));
    expect(events.map((e) => [e.action, strip(e.data)])).toEqual([
      ['whistle', { departmentIds: [p.justice.dept.id, p.police.dept.id] }],
      ['report_in', { departmentId: p.justice.dept.id, late: false }],
      ['report_in_overdue', { departmentId: p.police.dept.id }],
      ['report_in', { departmentId: p.police.dept.id, late: true }],
      ['sign_off', { departmentId: p.police.dept.id }],
      ['sign_off', { departmentId: p.justice.dept.id }],
      ['settle', null],
      ['rate_department', { departmentId: p.justice.dept.id, rating: 5 }],
      ['rate_department', { departmentId: p.police.dept.id, rating: 3 }],
    ]);
    const figures = await gridStats(store.db, tree.township);
    const byCode = Object.fromEntries(figures.departments.map((d) => [d.code, d]));
    expect(byCode['county-justice']).toMatchObject({ summoned: 1, reportedIn: 1, reportedLate: 0, signedOff: 1, averageRating: 5 });
    expect(byCode['huze-police']).toMatchObject({ summoned: 1, reportedIn: 1, reportedLate: 1, signedOff: 1, averageRating: 3 });
    const final = await store.db.select().from(summons).where(eq(summons.matterId, m.id));
    expect(final.find((r) => r.departmentId === p.police.dept.id)).toMatchObject({ late: true, rating: 3, signOffNote: '现场秩序已维持' });
    // `gridline show` lists each department's part.
    const shownMatter = render('show', await runOp(ctx, 'show', { ref: m.ref }), 'zh-CN', 'Asia/Shanghai');
    expect(shownMatter).toContain('吹哨报到');
    expect(shownMatter).toMatch(/湖泽派出所: 11月27日 10:40 报到（超时） · 11月27日 10:40 本部门办结 · 评 3 分/);
    expect(shownMatter).toContain('部门报到超时，已提醒镇里');
  });

  it('refuses a forged report-in from anyone who is not that department’s liaison', async () => {
    const p = await cast();
    const m = await dispute();
    await performAction(ctx, { matter: m.ref, actorId: p.officer.id, request: { action: 'take' } });
    await performAction(ctx, { matter: m.ref, actorId: p.officer.id, request: { action: 'whistle', departments: ['county-justice', 'huze-police'], reason: '需要调解' } });
    // The justice liaison presses a forged button for the police.
    expect(await performAction(ctx, { matter: m.ref, actorId: p.justice.liaison.id, request: { action: 'report_in', department: 'huze-police' } })).toMatchObject({ ok: false, code: 'not_permitted' });
    expect(await performAction(ctx, { matter: m.ref, actorId: p.justice.liaison.id, request: { action: 'sign_off', department: 'huze-police' } })).toMatchObject({ ok: false, code: 'not_permitted' });
    // A liaison whose department was not summoned, the villager and the officer learn nothing or are refused.
    expect(await performAction(ctx, { matter: m.ref, actorId: p.natres.liaison.id, request: { action: 'report_in', department: 'county-natres' } })).toEqual({ ok: false, code: 'not_found' });
    expect(await performAction(ctx, { matter: m.ref, actorId: p.villager.id, request: { action: 'report_in', department: 'huze-police' } })).toMatchObject({ ok: false, code: 'not_permitted' });
    expect(await performAction(ctx, { matter: m.ref, actorId: p.officer.id, request: { action: 'report_in', department: 'huze-police' } })).toMatchObject({ ok: false, code: 'not_permitted' });
    const rows = await store.db.select().from(summons).where(eq(summons.matterId, m.id));
    expect(rows.every((r) => r.reportedInAt === null)).toBe(true);
    expect((await eventsOf(m.id)).some((e) => e.action === 'report_in')).toBe(false);
    // Reporting in twice is not now; the event id makes a repeated press act once.
    expect((await performAction(ctx, { matter: m.ref, actorId: p.police.liaison.id, request: { action: 'report_in' }, eventId: 'tg:cb:9' })).ok).toBe(true);
    expect(await performAction(ctx, { matter: m.ref, actorId: p.police.liaison.id, request: { action: 'report_in' }, eventId: 'tg:cb:9' })).toMatchObject({ ok: true, duplicate: true });
    expect(await performAction(ctx, { matter: m.ref, actorId: p.police.liaison.id, request: { action: 'report_in' } })).toMatchObject({ ok: false, code: 'not_now' });
  });

  it('summons only departments of the matter’s township and county, once while they work, after the matter is taken', async () => {
    const p = await cast();
    const otherTown = await newNode(store.db, { name: '凤阳乡', level: 'township', parent: tree.county });
    await newDepartmentWithLiaison(store.db, { code: 'fengyang-police', name: '凤阳派出所', at: otherTown, liaison: '郑警官', telegram: '5009' });
    const m = await dispute();
    // A whistle is part of handling: the matter is taken first.
    expect(await performAction(ctx, { matter: m.ref, actorId: p.officer.id, request: { action: 'whistle', departments: ['huze-police'], reason: '到场' } })).toMatchObject({ ok: false, code: 'not_now' });
    await performAction(ctx, { matter: m.ref, actorId: p.officer.id, request: { action: 'take' } });
    expect(await performAction(ctx, { matter: m.ref, actorId: p.officer.id, request: { action: 'whistle', departments: ['fengyang-police'], reason: '到场' } })).toMatchObject({ ok: false, code: 'invalid_target' });
    expect(await performAction(ctx, { matter: m.ref, actorId: p.officer.id, request: { action: 'whistle', departments: ['no-such-dept'], reason: '到场' } })).toMatchObject({ ok: false, code: 'invalid_target' });
    expect(await performAction(ctx, { matter: m.ref, actorId: p.officer.id, request: { action: 'whistle', departments: ['huze-police'], reason: '  ' } })).toMatchObject({ ok: false, code: 'empty' });
    expect(await performAction(ctx, { matter: m.ref, actorId: p.villager.id, request: { action: 'whistle', departments: ['huze-police'], reason: '到场' } })).toMatchObject({ ok: false, code: 'not_permitted' });
    expect((await performAction(ctx, { matter: m.ref, actorId: p.townCadre.id, request: { action: 'whistle', departments: ['huze-police'], reason: '到场' } })).ok).toBe(true);
    expect(await templatesFor(m.id, p.officer.id)).toContain('whistle_notice');
    expect(await performAction(ctx, { matter: m.ref, actorId: p.officer.id, request: { action: 'whistle', departments: ['huze-police'], reason: '再催' } })).toMatchObject({ ok: false, code: 'invalid_target' });

    // Signing off without reporting in reports in too; once signed off, it may be summoned again.
    later(45);
    expect((await performAction(ctx, { matter: m.ref, actorId: p.police.liaison.id, request: { action: 'sign_off', note: '处理完毕' } })).ok).toBe(true);
    const actions = (await eventsOf(m.id)).map((e) => [e.action, (e.data as { late?: boolean } | null)?.late]);
    expect(actions.slice(-2)).toEqual([['report_in', true], ['sign_off', undefined]]);
    expect((await performAction(ctx, { matter: m.ref, actorId: p.officer.id, request: { action: 'whistle', departments: ['huze-police', 'county-justice'], reason: '又吵起来了' } })).ok).toBe(true);
    expect((await store.db.select().from(summons).where(eq(summons.matterId, m.id))).length).toBe(3);
  });

  it('sends no late alert for a department that reported in, or a matter no longer open', async () => {
    const p = await cast();
    const m = await dispute();
    await performAction(ctx, { matter: m.ref, actorId: p.officer.id, request: { action: 'take' } });
    await performAction(ctx, { matter: m.ref, actorId: p.officer.id, request: { action: 'whistle', departments: ['huze-police'], reason: '到场' } });
    const [row] = await store.db.select().from(summons).where(eq(summons.matterId, m.id));
    // Too early (a relay on a clock ahead): it comes back at its time.
    expect(await reportInDue(ctx, row!.id)).toEqual({ outcome: 'not_due' });
    await performAction(ctx, { matter: m.ref, actorId: p.villager.id, request: { action: 'withdraw', reason: '自己谈好了' } });
    later(30);
    expect(await reportInDue(ctx, row!.id)).toEqual({ outcome: 'matter_moved_on' });
    expect(await templatesFor(m.id, p.townCadre.id)).toEqual([]);
  });
});
