import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseRoster, RosterError, type RosterProblem } from '../../../src/roster/parse-roster.js';
import { deriveJoinCode, flattenGrid } from '../../../src/roster/roster-schema.js';

const DEMO_PATH = fileURLToPath(new URL('../../../roster/demo.yaml', import.meta.url));

function problemsOf(text: string, file = 'test.yaml'): RosterProblem[] {
  try {
    parseRoster(text, file);
  } catch (err) {
    expect(err).toBeInstanceOf(RosterError);
    return (err as RosterError).problems;
  }
  throw new Error('expected the roster to be rejected');
}

/** 1-based line of the first line containing `needle`. */
function lineOf(text: string, needle: string): number {
  const i = text.split('\n').findIndex((l) => l.includes(needle));
  if (i < 0) throw new Error(`not in text: ${needle}`);
  return i + 1;
}

const MINIMAL = `grid:
  code: shuichuan
  name: 水川村
  level: village
  children:
    - { code: shuichuan-g03, name: 第三组, level: unit }
people:
  - code: p-li-dongmei
    name: 李冬梅
    roles: [{ role: officer_full, grid: shuichuan-g03 }]
`;

describe('parseRoster', () => {
  it('cleans every value: NUL, control and bidi characters never reach the store; a name with nothing visible is an error', () => {
    const hostile = MINIMAL.replace('name: 水川村', 'name: "水川\\0村\\u202E"').replace('name: 李冬梅', 'name: "李\\x07冬梅\\u200F"');
    const roster = parseRoster(hostile, 'test.yaml');
    expect(JSON.stringify(roster)).not.toMatch(/\\u0000|\\u0007|\u202E|\u200F/);
    expect(roster.grid.name).toBe('水川村');
    expect(roster.people[0]!.name).toBe('李冬梅');
    const invisible = MINIMAL.replace('name: 李冬梅', 'name: "\\u200B\\u3164"');
    expect(problemsOf(invisible)[0]).toMatchObject({ line: lineOf(invisible, 'u200B'), path: 'people[0].name' });
  });

  it('parses the demo roster', () => {
    const roster = parseRoster(readFileSync(DEMO_PATH, 'utf8'), 'roster/demo.yaml');
    const nodes = flattenGrid(roster);
    const shuichuan = nodes.find((n) => n.code === 'shuichuan')!;
    expect(shuichuan).toMatchObject({ name: '水川村', level: 'village', households: 852, population: 3008, path: 'fenyi/huze/shuichuan' });
    const groups = nodes.filter((n) => n.parentCode === 'shuichuan' && n.kind === 'standard');
    expect(groups).toHaveLength(27);
    expect(groups.map((g) => g.code)).toContain('shuichuan-g27');
    expect(nodes.find((n) => n.code === 'shuichuan-school')).toMatchObject({ kind: 'dedicated', level: 'unit' });
    expect(new Set(nodes.map((n) => n.joinCode).filter(Boolean)).size).toBe(nodes.filter((n) => n.level === 'unit').length);

    const holders = (role: string) => roster.people.filter((p) => p.roles.some((r) => r.grid === 'shuichuan-g03' && r.role === role));
    expect(holders('officer_full').map((p) => p.code)).toEqual(['p-li-dongmei']);
    expect(holders('officer_part').length).toBeGreaterThanOrEqual(1);
    expect(holders('villager').some((p) => p.telegram)).toBe(true);
    for (const dept of roster.departments)
      expect(roster.people.some((p) => p.roles.some((r) => r.role === 'liaison' && r.department === dept.code))).toBe(true);
    expect(roster.time_limits?.find((l) => l.category === 'dispute' && l.level === 'unit')?.settle_minutes).toBeLessThanOrEqual(720);
  });

  it('fills defaults, derives join codes and reads unquoted ids as text', () => {
    const roster = parseRoster(MINIMAL.replace('name: 李冬梅', 'name: 李冬梅\n    telegram: 800001'), 'min.yaml');
    expect(roster.timezone).toBe('Asia/Shanghai');
    expect(roster.people[0]!.telegram).toBe('800001');
    expect(roster.people[0]!.on_leave).toBeUndefined();
    const unit = flattenGrid(roster).find((n) => n.code === 'shuichuan-g03')!;
    expect(unit.joinCode).toBe(deriveJoinCode('shuichuan-g03'));
    expect(unit.joinCode).toMatch(/^[2-9A-Z]{6}$/);
    expect(deriveJoinCode('shuichuan-g03')).toBe(unit.joinCode);
  });

  it('reads a person\'s WeCom UserID, refusing one WeCom would not take and one used twice', () => {
    const roster = parseRoster(MINIMAL.replace('name: 李冬梅', 'name: 李冬梅\n    wecom: LiDongMei'), 'wecom.yaml');
    expect(roster.people[0]!.wecom).toBe('LiDongMei');
    const bad = MINIMAL.replace('name: 李冬梅', 'name: 李冬梅\n    wecom: 李冬梅');
    expect(problemsOf(bad)).toEqual([expect.objectContaining({ line: lineOf(bad, 'wecom: 李冬梅'), message: expect.stringContaining('UserID') })]);
  });

  it('reads a person\'s own time zone, and refuses one that does not exist', () => {
    const roster = parseRoster(MINIMAL.replace('name: 李冬梅', 'name: 李冬梅\n    timezone: Europe/London'), 'tz.yaml');
    expect(roster.people[0]!.timezone).toBe('Europe/London');
    expect(parseRoster(MINIMAL, 'min.yaml').people[0]!.timezone).toBeUndefined();
    const text = MINIMAL.replace('name: 李冬梅', 'name: 李冬梅\n    timezone: Mars/Olympus');
    expect(problemsOf(text)).toEqual([expect.objectContaining({ line: lineOf(text, 'Mars/Olympus'), message: expect.stringContaining('unknown time zone') })]);
  });

  it('reports every problem at once, each with its line and path', () => {
    const text = `grid:
  code: huze
  name: 湖泽镇
  level: township
  children:
    - code: shuichuan
      name: 水川村
      level: village
      children:
        - { code: shuichuan-g03, name: 第三组, level: unit }
    - code: stray-group
      name: 散户组
      level: unit
people:
  - code: p-li-dongmei
    name: 李冬梅
    telegram: "800001"
    roles:
      - { role: officer_full, grid: shuichuan-g3 }
  - code: p-liu-jianguo
    telegram: "800001"
    roles:
      - { role: officer_part, grid: shuichuan-g03 }
  - code: p-broken
    name: 坏人: 多了冒号
`;
    const problems = problemsOf(text, 'broken.yaml');
    const find = (path: string) => problems.find((p) => p.path === path);

    expect(find('grid.children[1].level')).toMatchObject({ line: lineOf(text, 'code: stray-group') + 2, column: 14, file: 'broken.yaml' });
    expect(find('grid.children[1].level')!.message).toMatch(/unit grid cannot sit under 湖泽镇 \(township\).*village/);

    expect(find('people[0].roles[0].grid')).toMatchObject({ line: lineOf(text, 'grid: shuichuan-g3 }') });
    expect(find('people[0].roles[0].grid')!.message).toBe('unknown grid code "shuichuan-g3"; did you mean "shuichuan-g03"?');

    const dup = find('people[1].telegram')!;
    expect(dup.line).toBe(lineOf(text, 'code: p-liu-jianguo') + 1);
    expect(dup.message).toMatch(/telegram id "800001" is already used.*line 17/);

    expect(find('people[1].name')).toMatchObject({ line: lineOf(text, 'code: p-liu-jianguo'), message: 'missing required field "name" (text)' });

    const syntax = problems.find((p) => p.message.startsWith('YAML syntax'))!;
    expect(syntax).toMatchObject({ line: lineOf(text, '坏人'), path: 'people[2]' });
    expect(syntax.message).toMatch(/must be put in quotes/);

    // Exactly these five: the broken record adds no noise of its own.
    expect(problems).toHaveLength(5);
    expect(problems.map((p) => p.line)).toEqual([...problems.map((p) => p.line)].sort((a, b) => a - b));
  });

  it('lists every problem in the error message as file:line:col  path  message', () => {
    const text = MINIMAL.replace('level: unit', 'level: unti').replace('name: 李冬梅', 'nmae: 李冬梅');
    let error: RosterError | undefined;
    try {
      parseRoster(text, 'roster/x.yaml');
    } catch (err) {
      error = err as RosterError;
    }
    expect(error?.name).toBe('RosterError');
    const lines = error!.message.split('\n');
    expect(lines[0]).toBe('roster/x.yaml: 3 problems in the roster');
    expect(lines).toContain(
      `  roster/x.yaml:6:${lineColumn(text, 6, 'unti')}  grid.children[0].level  expected one of county, township, village, unit, household; got text "unti"`,
    );
    expect(lines).toContain(`  roster/x.yaml:9:5  people[0].nmae  unknown field "nmae"; did you mean "name"?`);
    expect(lines).toContain(`  roster/x.yaml:8:5  people[0].name  missing required field "name" (text)`);
  });

  it('reports a syntax error with its line', () => {
    const text = 'grid:\n  code: a\n  name: "unclosed\n  level: village\n';
    const [problem, ...rest] = problemsOf(text);
    expect(rest).toEqual([]);
    expect(problem!.message).toMatch(/^YAML syntax: .*quote/i);
    expect(problem!.line).toBeGreaterThanOrEqual(3);
  });

  it('checks references, roles and uniqueness', () => {
    const text = `grid:
  code: shuichuan
  name: 水川村
  level: village
  children:
    - { code: g01, name: 第一组, level: unit, join_code: SC01 }
    - { code: g02, name: 第二组, level: unit, join_code: SC01 }
    - { code: g01, name: 重复, level: unit, kind: dedicated }
departments:
  - { code: county-justice, name: 县司法局, grid: fenyi }
people:
  - code: p-a
    name: 甲
    roles:
      - { role: liaison, grid: shuichuan }
      - { role: officer_full, grid: shuichuan }
      - { role: cadre, grid: shuichuan, department: county-justice }
      - { role: villager, grid: g01 }
      - { role: villager, grid: g02 }
time_limits:
  - { category: dispute, accept_minutes: 600, reply_minutes: 60, settle_minutes: 360 }
  - { category: dispute, accept_minutes: 30, reply_minutes: 60, settle_minutes: 360 }
faq:
  - { code: dibao, question: 低保, answer: 找村委会 }
  - { code: dibao, question: 低保, answer: 找村委会 }
`;
    const byPath = new Map(problemsOf(text).map((p) => [p.path, p]));
    expect(byPath.get('grid.children[1].join_code')?.message).toMatch(/join code "SC01" is already used/);
    expect(byPath.get('grid.children[2].code')?.message).toMatch(/grid code "g01" is already used.*line 6/);
    expect(byPath.get('departments[0].grid')?.message).toMatch(/unknown grid code "fenyi"/);
    expect(byPath.get('people[0].roles[0]')?.message).toMatch(/liaison role must name its department/);
    expect(byPath.get('people[0].roles[1].grid')?.message).toMatch(/officer_full belongs on a unit grid; "shuichuan" is a village grid/);
    expect(byPath.get('people[0].roles[2].department')?.message).toMatch(/only used with role liaison/);
    expect(byPath.get('people[0].roles[4].role')?.message).toMatch(/villager of one grid only/);
    expect(byPath.get('time_limits[0].accept_minutes')?.message).toMatch(/must not exceed settle_minutes/);
    expect(byPath.get('time_limits[1]')?.message).toMatch(/"dispute\/\*\/\*" is already used/);
    expect(byPath.get('faq[1].code')?.message).toMatch(/FAQ code "dibao" is already used/);
    expect(byPath.get('grid.children[2].code')?.line).toBe(8);
  });

  it('rejects an empty file', () => {
    expect(problemsOf('')).toEqual([
      expect.objectContaining({ line: 1, column: 1, path: '', message: expect.stringMatching(/empty or not a mapping/) }),
    ]);
  });
});

function lineColumn(text: string, line: number, needle: string): number {
  return text.split('\n')[line - 1]!.indexOf(needle) + 1;
}
