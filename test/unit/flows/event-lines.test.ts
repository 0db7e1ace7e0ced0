// The staff timeline: every kind of event the log can hold (EVENT_KINDS) is told in words in
// every language, with and without a note, by a person or by the system; none shows its code.
import { describe, expect, it } from 'vitest';
import { EVENT_KINDS, type EventKind } from '../../../src/domain/lifecycle.js';
import { LOCALES } from '../../../src/domain/types.js';
import { i18n, loadResources, translator } from '../../../src/i18n/index.js';
import { eventKey, eventLine } from '../../../src/flows/matter-words.js';
import type { FlowContext } from '../../../src/flows/types.js';
import type { TimelineEvent } from '../../../src/services/desk-service.js';

const resources = loadResources();
const RAW_CODE = /(?<![\w/])[a-z]+(?:_[a-z]+)+(?!\w)/;

const contextFor = (locale: string) => ({ t: translator(locale), locale, sender: null }) as unknown as FlowContext;

/** One event as the store gives it, for the kind; `variant` picks who acted and what it carries. */
function eventOf(action: EventKind, variant: { actor: boolean; note: boolean; level: boolean }): TimelineEvent {
  return {
    id: 1,
    matterId: 'm',
    at: new Date('2026-11-30T12:00:00Z'),
    actorId: variant.actor ? 'p-actor' : null,
    actorName: variant.actor ? '李冬梅' : null,
    action,
    stepFrom: null,
    stepTo: null,
    levelFrom: 'unit',
    levelTo: variant.level ? 'village' : null,
    assigneeId: 'p-next',
    assigneeName: '张建国',
    note: variant.note ? '已经到现场看过了' : null,
    data: { departmentId: 'd', rating: action === 'rate_department' ? 4 : 'satisfied', size: 'big', topic: 'safety', name: '安全生产', limit: 'settle', dueAt: '2026-11-30T10:00:00Z', pausedMinutes: 17, alerted: 'township', stays: !variant.level },
    departmentName: '湖泽派出所',
  };
}

/** Whether the locale writes the key itself (a plural form counts), without falling back. */
function written(lng: string, key: string): boolean {
  const [ns, path] = key.split(':') as [string, string];
  const parts = path.split('.');
  const parent = parts.slice(0, -1).reduce<any>((o, p) => o?.[p], resources[lng]?.[ns]);
  const last = parts[parts.length - 1]!;
  return Object.keys(parent ?? {}).some((k) => k === last || k.replace(/_(one|other)$/, '') === last);
}

const VARIANTS = [true, false].flatMap((actor) => [true, false].flatMap((note) => [true, false].map((level) => ({ actor, note, level }))));

describe('the timeline in words', () => {
  it.each(LOCALES)('%s tells every kind of event, every way it can come', (lng) => {
    const c = contextFor(lng);
    const bad: string[] = [];
    for (const kind of EVENT_KINDS) {
      for (const v of VARIANTS) {
        const e = eventOf(kind, v);
        const key = eventKey(e);
        if (key === 'flows:event.other') bad.push(`${kind}: no words of its own`);
        if (!written(lng, key)) bad.push(`${kind} ${JSON.stringify(v)}: ${key} missing in ${lng}`);
        const line = eventLine(c, e, 'p-viewer');
        if (RAW_CODE.test(line) || line.includes('{{') || /undefined|null/.test(line) || /（\s*）|\(\s*\)/.test(line)) bad.push(`${kind} ${JSON.stringify(v)}: ${line}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('names the department in a department’s events, and the person who acted for it', () => {
    const c = contextFor('zh-CN');
    const line = (kind: EventKind) => eventLine(c, { ...eventOf(kind, { actor: true, note: false, level: false }), actorName: '周明' }, 'p-viewer');
    expect(line('report_in')).toMatch(/ 湖泽派出所（周明）报到$/);
    expect(line('sign_off')).toMatch(/ 湖泽派出所（周明）办完了本部门的事$/);
    expect(line('rate_department')).toMatch(/ 周明为湖泽派出所的协同处置评 4 分$/);
    expect(line('report_in_overdue')).toMatch(/ 湖泽派出所超过报到时限，还没有报到$/);
    expect(eventLine(contextFor('en'), eventOf('resume', { actor: false, note: false, level: false }), 'x')).toMatch(/paused for 17 minutes\)$/);
    expect(eventLine(contextFor('en'), { ...eventOf('resume', { actor: false, note: false, level: false }), data: { pausedMinutes: 1 } }, 'x')).toMatch(/paused for 1 minute\)$/);
  });

  it('has no event line left unused, and an unknown kind from an old row is still told in words', () => {
    const keys = Object.keys((resources['zh-CN']?.flows as Record<string, Record<string, string>>).event ?? {});
    const used = new Set(EVENT_KINDS.flatMap((k) => VARIANTS.map((v) => eventKey(eventOf(k, v)).replace('flows:event.', ''))));
    expect(keys.filter((k) => !used.has(k) && k !== 'other')).toEqual([]);
    const old = eventLine(contextFor('zh-CN'), { ...eventOf('note', { actor: true, note: true, level: false }), action: 'retired_kind' as EventKind }, 'x');
    expect(old).toMatch(/李冬梅办理了一步$/);
    expect(i18n().exists('flows:event.other', { lng: 'en' })).toBe(true);
  });

  it.each(LOCALES)('%s: the administrator’s timeline (gridline show) names every kind too', (lng) => {
    const has = (key: string) => written(lng, key);
    const missing = EVENT_KINDS.filter((k) => !has(`cli:show.action.${k}`) && !has(`alerts:events.${k}`) && !has(`ladder:events.${k}`));
    expect(missing).toEqual([]);
  });
});
