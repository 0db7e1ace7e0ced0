// For the /stats tests from the cadre's side: a history of matters across types, levels and
// periods (with a whistle and department ratings), `gridline stats --json` run as a separate
// process on the same database, and the lines a zh-CN chat answer must carry for given figures.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { GridStats } from '../../src/services/stats-service.js';
import { newPerson, type NodeRow, type PersonRow, type Tree } from './factories.js';
import { addEvents, newDepartment, reportedMatter } from './matter-factories.js';
import type { Db } from '../../src/store/db.js';

const run = promisify(execFile);

/** Beijing time. */
const at = (s: string) => new Date(`${s}+08:00`);

/**
 * Matters of 水川村 in June 2026 (the test clock's month), May 2026, February 2026 and November
 * 2025, settled at every level, open, withdrawn; hazards with whistles rated by the officer.
 */
export async function seedHistory(db: Db, tree: Tree, people: { officer: PersonRow; villager: PersonRow }): Promise<void> {
  const { officer: o, villager: r } = people;
  const leader = await newPerson(db, { name: '张国华', role: 'grid_leader', at: tree.village, title: '水川村网格长' });
  const cadre = await newPerson(db, { name: '何建军', role: 'cadre', at: tree.township, title: '湖泽镇综治办主任' });
  const county = await newPerson(db, { name: '县领导', role: 'cadre', at: tree.county, title: '分宜县委政法委' });
  const water = await newDepartment(db, { code: 'd-water', name: '县水利局', at: tree.county });
  const land = await newDepartment(db, { code: 'd-land', name: '县自然资源局', at: tree.county });
  const m = (grid: NodeRow, category: Parameters<typeof reportedMatter>[1]['category'], when: string, rest: Partial<Parameters<typeof reportedMatter>[1]> = {}) =>
    reportedMatter(db, { grid, reporter: r, category, at: at(when), firstAssignee: o, ...rest });
  const settleAt = (level: 'unit' | 'village' | 'township' | 'county', by: PersonRow) => ({ action: 'settle' as const, after: 90, by, levelFrom: level, levelTo: level });

  // June 2026.
  await addEvents(db, await m(tree.unit, 'consult', '2026-06-01T09:00:00', { state: 'closed', step: 'evaluate' }), [
    { action: 'take', after: 5, by: o },
    settleAt('unit', o),
    { action: 'evaluate', after: 100, by: r, data: { rating: 'satisfied' } },
  ]);
  await addEvents(db, await m(tree.unit, 'help', '2026-06-01T10:00:00', { state: 'settled', step: 'feedback', level: 'village', assignee: leader }), [
    { action: 'take', after: 5, by: o },
    { action: 'escalate', after: 60, levelFrom: 'unit', levelTo: 'village', assignee: leader },
    { action: 'supervise', after: 70, by: leader },
    { ...settleAt('village', leader), after: 120 },
  ]);
  await addEvents(db, await m(tree.otherUnit, 'complaint', '2026-06-02T08:00:00', { state: 'settled', step: 'feedback', level: 'township', assignee: cadre }), [
    { action: 'escalate', after: 60, levelFrom: 'unit', levelTo: 'village', assignee: leader },
    { action: 'escalate', after: 80, levelFrom: 'village', levelTo: 'township', assignee: cadre },
    { ...settleAt('township', cadre), after: 200 },
  ]);
  await m(tree.unit, 'dispute', '2026-06-02T09:00:00', { state: 'open', step: 'handle' });
  await addEvents(db, await m(tree.unit, 'hazard', '2026-06-02T11:00:00', { state: 'settled', step: 'feedback' }), [
    { action: 'take', after: 5, by: o },
    { action: 'whistle', after: 10, by: o, data: { departmentIds: [water.id, land.id] } },
    { action: 'report_in', after: 30, data: { departmentId: water.id, late: false } },
    { action: 'report_in', after: 300, data: { departmentId: land.id, late: true } },
    { action: 'sign_off', after: 400, data: { departmentId: water.id } },
    { ...settleAt('unit', o), after: 410 },
    { action: 'rate_department', after: 420, by: o, data: { departmentId: water.id, rating: 4 } },
    { action: 'rate_department', after: 421, by: leader, data: { departmentId: water.id, rating: 5 } },
    { action: 'rate_department', after: 422, by: o, data: { departmentId: land.id, rating: 2 } },
  ]);
  await addEvents(db, await m(tree.unit, 'dispute', '2026-06-02T12:00:00', { state: 'withdrawn' }), [{ action: 'withdraw', after: 3, by: r }]);

  // May 2026.
  await addEvents(db, await m(tree.unit, 'help', '2026-05-06T09:00:00', { state: 'closed', step: 'evaluate' }), [settleAt('unit', o), { action: 'evaluate', after: 100, by: r, data: { rating: 'unsatisfied' } }]);
  await addEvents(db, await m(tree.otherUnit, 'dispute', '2026-05-20T09:00:00', { state: 'settled', step: 'feedback', level: 'village', assignee: leader }), [
    { action: 'escalate', after: 60, levelFrom: 'unit', levelTo: 'village', assignee: leader },
    { ...settleAt('village', leader), after: 100 },
  ]);
  await addEvents(db, await m(tree.unit, 'hazard', '2026-05-31T23:30:00', { state: 'open', step: 'handle' }), [
    { action: 'whistle', after: 10, by: o, data: { departmentIds: [water.id] } },
    { action: 'report_in', after: 20, data: { departmentId: water.id, late: false } },
    { action: 'rate_department', after: 30, by: o, data: { departmentId: water.id, rating: 3 } },
  ]);

  // February 2026: settled by the county.
  await addEvents(db, await m(tree.unit, 'consult', '2026-02-10T09:00:00', { state: 'settled', step: 'feedback', level: 'county', assignee: county }), [
    { action: 'escalate', after: 60, levelFrom: 'unit', levelTo: 'village', assignee: leader },
    { action: 'escalate', after: 80, levelFrom: 'village', levelTo: 'township', assignee: cadre },
    { action: 'escalate', after: 90, levelFrom: 'township', levelTo: 'county', assignee: county },
    { ...settleAt('county', county), after: 300 },
  ]);

  // November 2025.
  await addEvents(db, await m(tree.unit, 'complaint', '2025-11-11T09:00:00', { state: 'closed', step: 'evaluate' }), [settleAt('unit', o)]);
}

/** `gridline stats --json` as an administrator runs it, in its own process, on the test's database. */
export async function cliStats(url: string, ...args: string[]): Promise<GridStats> {
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'warn', GRIDLINE_LANG: 'zh-CN' };
  for (const k of ['REDIS_URL', 'GRIDLINE_ROSTER', 'HTTP_PORT', 'GRIDLINE_DATA_DIR', 'TELEGRAM_BOT_TOKEN', 'SLACK_BOT_TOKEN']) delete env[k];
  const { stdout } = await run('node', [path.resolve('bin/gridline.js'), 'stats', '--json', ...args], { env, timeout: 60_000 });
  return JSON.parse(stdout) as GridStats;
}

const CATEGORY: Record<string, string> = { consult: '咨询', help: '求助', complaint: '投诉', dispute: '纠纷', hazard: '隐患', other: '其他' };
const LEVEL: Record<string, string> = { unit: '网格', village: '村', township: '镇', county: '县' };
const pct = (rate: number | null) => (rate === null ? '—' : `${(Math.round(rate * 1000) / 10).toFixed(1)}%`);

/**
 * The lines a zh-CN /stats answer carries for these figures: by type with each rate, settled at
 * each level, every department with its rating, 答疑 and 代办. Built from the CLI's JSON, so an
 * answer that holds them all shows the CLI's numbers.
 */
export function chatLines(s: GridStats): string[] {
  return [
    `受理 ${s.accepted} 件，办结 ${s.settled} 件，在办 ${s.open} 件`,
    ...Object.entries(s.byCategory).map(([c, x]) => `　${CATEGORY[c]}：受理 ${x.accepted} 件，办结 ${x.settled} 件，在办 ${x.open} 件，办结率 ${pct(x.settlementRate)}`),
    `各级办结：${Object.entries(s.settledAt).map(([l, x]) => `${LEVEL[l]} ${x.count} 件（${pct(x.rate)}）`).join(' · ')}`,
    ...(s.departments.length
      ? s.departments.map((d) => `　${d.name}：吹哨 ${d.summoned} 次，报到 ${d.reportedIn} 次（迟到 ${d.reportedLate} 次），销号 ${d.signedOff} 次，平均评分 ${d.averageRating === null ? '—' : d.averageRating.toFixed(1)}（评了 ${d.ratings} 次）`)
      : ['这段时间没有吹哨。']),
    `答疑 ${s.faqAnswers} 次　代办 ${s.errands} 件`,
  ];
}

/** Every expected line that the answer lacks (none: the answer shows the CLI's figures). */
export function missingLines(answer: string, s: GridStats): string[] {
  return chatLines(s).filter((line) => !answer.includes(line));
}
