// What the CLI prints has no raw keys in any language: every import kind, every routing outcome.
import { describe, expect, it } from 'vitest';
import { render } from '../../../src/cli/render.js';
import { LOCALES } from '../../../src/domain/types.js';
import { SUMMARY_KINDS } from '../../../src/roster/import-roster.js';
import { said } from '../../../src/roster/said.js';

const RAW_KEY = /\b(?:cli|common|roster|alerts|ladder):|\bimport\.kinds\.|\bshow\.routing\./;

describe.each(LOCALES)('render in %s', (locale) => {
  it('names every kind an import counts, and its warnings', () => {
    const counts = Object.fromEntries(SUMMARY_KINDS.map((k) => [k, { created: 1, updated: 0, unchanged: 0, removed: 0 }]));
    const absent = { gridNodes: ['x'], departments: ['y'], people: ['z'] };
    const out = render('import', { changed: true, counts, absent, warnings: [said('warn.no_liaison', { code: 'd', name: '司法所' })] }, locale, 'Asia/Shanghai');
    expect(out).not.toMatch(RAW_KEY);
    expect(out.split('\n').length).toBeGreaterThan(SUMMARY_KINDS.length + 3);
    expect(out).toContain('司法所');
  });

  it('explains a routing tie by what broke it', () => {
    const considered = [
      { personId: 'a', name: '李冬梅', role: 'officer_full', openMatters: 0, lastAssignedAt: null, code: 'p-a', outcome: 'chosen' },
      { personId: 'b', name: '王芳', role: 'officer_full', openMatters: 0, lastAssignedAt: '2026-11-30T01:00:00Z', code: 'p-b', outcome: 'assigned_more_recently' },
      { personId: 'c', name: '张伟', role: 'officer_full', openMatters: 0, lastAssignedAt: null, code: 'p-c', outcome: 'later_in_roster' },
      { personId: 'd', name: '赵强', role: 'officer_full', openMatters: 2, lastAssignedAt: null, code: 'p-d', outcome: 'more_open_matters' },
    ];
    const matter = { ref: '0000-0018', category: 'help', size: 'small', state: 'open', step: 'dispatch', level: 'unit', summary: '路灯', dueAt: null };
    const events = [{ at: '2026-11-30T02:00:00Z', action: 'route', stepFrom: 'accept', stepTo: 'dispatch', data: { considered } }];
    const out = render('show', { matter, events, messages: [], deliveries: [] }, locale, 'Asia/Shanghai');
    expect(out).not.toMatch(RAW_KEY);
    const line = (name: string) => out.split('\n').find((l) => l.includes(name))!;
    expect(line('王芳')).not.toBe(line('张伟').replace('张伟', '王芳'));
    expect(line('张伟')).toContain('p-c');
    if (locale === 'zh-CN') {
      expect(line('王芳')).toContain('比选中者（从未分派）近');
      expect(line('张伟')).toContain('按名册编号 p-c 排在 p-a 之后');
      expect(line('赵强')).toContain('在办 2 件，比选中者多');
    }
  });
});
