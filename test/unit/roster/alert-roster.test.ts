// The roster's alert settings: where a node's alerts go, its quiet hours (inherited down the
// tree), and a department's report-in limit.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseRoster, RosterError, type RosterProblem } from '../../../src/roster/parse-roster.js';
import { flattenGrid } from '../../../src/roster/roster-schema.js';

const DEMO_PATH = fileURLToPath(new URL('../../../roster/demo.yaml', import.meta.url));

const ROSTER = `quiet_hours: { from: "21:30", to: "06:30" }
report_in_minutes: 45
grid:
  code: huze
  name: 湖泽镇
  level: township
  alerts: { telegram_chat: -1001234567890, dm: true }
  children:
    - code: shuichuan
      name: 水川村
      level: village
      alerts: { slack_channel: C0SHUICHUAN, locale: zh-TW }
      quiet_hours: { from: "23:00", to: "06:00" }
      children:
        - { code: shuichuan-g03, name: 第三组, level: unit }
    - code: xiafang
      name: 下坊村
      level: village
departments:
  - { code: huze-police, name: 湖泽派出所, grid: huze, report_in_minutes: 20 }
  - { code: huze-justice, name: 湖泽镇司法所, grid: huze }
`;

function problemsOf(text: string): RosterProblem[] {
  try {
    parseRoster(text, 'test.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(RosterError);
    return (err as RosterError).problems;
  }
  throw new Error('expected the roster to be rejected');
}

describe('alert settings in the roster', () => {
  it('reads destinations, inherits quiet hours down the tree and defaults the report-in limit', () => {
    const roster = parseRoster(ROSTER, 'test.yaml');
    const nodes = Object.fromEntries(flattenGrid(roster).map((n) => [n.code, n]));
    expect(nodes.huze).toMatchObject({ alerts: { telegram_chat: '-1001234567890', dm: true }, quietHours: { from: '21:30', to: '06:30' } });
    expect(nodes.shuichuan).toMatchObject({ alerts: { slack_channel: 'C0SHUICHUAN', locale: 'zh-TW' }, quietHours: { from: '23:00', to: '06:00' } });
    expect(nodes['shuichuan-g03']).toMatchObject({ alerts: null, quietHours: { from: '23:00', to: '06:00' } });
    expect(nodes.xiafang).toMatchObject({ alerts: null, quietHours: { from: '21:30', to: '06:30' } });
    expect(roster.report_in_minutes).toBe(45);
    expect(roster.departments.map((d) => d.report_in_minutes)).toEqual([20, undefined]);
  });

  it('defaults to 22:00–07:00 and 30 minutes, as in the demo roster', () => {
    const roster = parseRoster(readFileSync(DEMO_PATH, 'utf8'), 'roster/demo.yaml');
    const huze = flattenGrid(roster).find((n) => n.code === 'huze')!;
    expect(huze.alerts?.telegram_chat).toMatch(/^-100\d+$/);
    expect(huze.quietHours).toEqual({ from: '22:00', to: '07:00' });
    const bare = parseRoster('grid: { code: huze, name: 湖泽镇, level: township }', 'bare.yaml');
    expect(bare.report_in_minutes).toBe(30);
    expect(flattenGrid(bare)[0]!.quietHours).toEqual({ from: '22:00', to: '07:00' });
  });

  it('names the line of a bad time of day, chat id or key', () => {
    const bad = ROSTER.replace('"23:00"', '"24:00"').replace('C0SHUICHUAN', 'shuichuan').replace('dm: true', 'dm: true, email: x@y');
    const problems = problemsOf(bad);
    const at = (path: string) => problems.find((p) => p.path === path);
    expect(at('grid.children[0].quiet_hours.from')?.message).toMatch(/HH:MM/);
    expect(at('grid.children[0].alerts.slack_channel')?.message).toMatch(/starts with C/);
    expect(problems.some((p) => p.path.startsWith('grid.alerts') && /email/.test(p.message))).toBe(true);
    expect(problemsOf(ROSTER.replace('report_in_minutes: 20', 'report_in_minutes: 0')).map((p) => p.path)).toEqual(['departments[0].report_in_minutes']);
  });
});
