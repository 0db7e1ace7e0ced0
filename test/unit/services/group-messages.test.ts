// Every kind of notification there is (every template in locales/*/notify.json, so one added later
// is covered the day it is written), rendered for a group with a dispute's words in every place
// words can be: none of the words reach the group, in any language. The same data rendered for a
// person does show them, so the test would see a leak.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { groupView } from '../../../src/domain/group-view.js';
import { LOCALES } from '../../../src/domain/types.js';
import { loadResources } from '../../../src/i18n/index.js';
import { isGroupAddressed, renderDelivery } from '../../../src/services/notify-service.js';
import { BROADCAST_TEMPLATES } from '../../../src/services/broadcast-render.js';

const SH = 'Asia/Shanghai';
const WORDS = '邻居在我家田边堆柴草说了不听';
const NAME = '罗秀英';
const PHONE = '13800138000';
const SECRETS = [WORDS, NAME, PHONE];
const REF = '0000-0018';
const NODE = '5b7c1c7e-3c1a-4d2e-9f57-0d5b2f7a9c11';

const notify = (lng: string) => loadResources()[lng]!.notify as Record<string, unknown>;
/** Sub-texts a template renders its lists with, not messages of their own. */
const PART = /_(item|more|held|group)$/;
const templates = Object.entries(notify('zh-CN'))
  .filter(([key, v]) => typeof v === 'string' && !PART.test(key))
  .map(([key]) => key);

const placeholders = (template: string) =>
  new Set(LOCALES.flatMap((lng) => [...String(notify(lng)[template] ?? '').matchAll(/\{\{\s*(\w+)/g)].map((m) => m[1]!)));

/** Safe values where a template expects the frame; a villager's words, name or phone everywhere else. */
function dataFor(template: string): Record<string, unknown> {
  const frame: Record<string, unknown> = {
    ref: REF,
    refs: [REF, '0000-0026'],
    category: 'dispute',
    level: 'village',
    size: 'big',
    grid: '水川村第三组',
    assignee: '李冬梅',
    title: '专职网格员',
    department: '湖泽派出所',
    departments: '湖泽派出所、县司法局',
    village: '水川村',
    byName: '李冬梅',
    locale: 'zh-CN',
    departmentCode: 'paichusuo',
    dueAt: '2026-11-27T12:00:00.000Z',
    reportedAt: '2026-11-27T02:00:00.000Z',
    day: '2026-11-27',
    nodeId: NODE,
    count: 2,
    more: 1,
    open: 3,
    settlementRate: 0.5,
  };
  const params: Record<string, unknown> = { ...frame };
  for (const name of placeholders(template)) if (!(name in params)) params[name] = `${WORDS}（${NAME}，${PHONE}）`;
  return {
    ...params,
    // Where words live in the rows the services write:
    summary: WORDS,
    text: WORDS,
    note: WORDS,
    reason: WORDS,
    comment: WORDS,
    result: WORDS,
    name: NAME,
    phone: PHONE,
    received: { text: WORDS, photos: 1 },
    attachments: [{ kind: 'photo', platform: 'telegram', fileRef: 'f1', caption: WORDS }],
    items: [{ ref: REF, grid: '水川村第三组', category: 'dispute', summary: WORDS, assignee: '李冬梅', reportedAt: '2026-11-27T02:00:00.000Z', note: NAME }],
    villages: [{ village: '水川村', count: 2, summary: WORDS }],
    held: [
      { template: 'escalation_alert', params: { ref: REF, category: 'dispute', grid: '水川村第三组', level: 'village', summary: WORDS, reason: WORDS, reasonKey: 'ladder:reason.hand', byName: '李冬梅', note: WORDS } },
      { template: 'urged', params: { ref: REF, name: NAME, summary: WORDS } },
    ],
    reasonKey: 'ladder:reason.hand',
    byName: '李冬梅',
  };
}

function shown(message: ReturnType<typeof renderDelivery>): string {
  return [message.text, ...(message.buttons ?? []).flat().map((b) => `${b.label} ${b.data}`), JSON.stringify(message.attachments ?? [])].join('\n');
}

describe('messages addressed to a group', () => {
  it('finds the templates to test in the locales, every one the code names among them', () => {
    expect(templates.length).toBeGreaterThan(40);
    // A template the code writes but the locales lack would render as its key: none may escape this test.
    const src = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? src(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
    const named = new Set<string>();
    for (const file of src('src')) for (const m of readFileSync(file, 'utf8').matchAll(/template: '([a-z_]+)'|\.tell\([^,()]+(?:\([^)]*\))?[^,()]*, '([a-z_]+)'/g)) named.add((m[1] ?? m[2])!);
    named.delete('chat');
    // A broadcast's templates are written from locales' broadcast.json, to one person each.
    for (const t of BROADCAST_TEMPLATES) named.delete(t);
    expect(named.size).toBeGreaterThan(25);
    expect([...named].filter((t) => !templates.includes(t))).toEqual([]);
    expect(templates).toEqual(expect.arrayContaining(['escalation_alert', 'unassigned', 'urgent_hazard', 'dispute_overnight', 'summons_overdue', 'whistle_notice', 'sweep', 'sweep_villages', 'digest']));
  });

  describe.each(LOCALES)('in %s', (lng) => {
    it.each(templates)('%s carries no one’s words', (template) => {
      const delivery = { template, params: dataFor(template), matterId: 'm1', personId: null, chatId: '-100123' };
      expect(isGroupAddressed(delivery)).toBe(true);
      const out = shown(renderDelivery(delivery, lng, SH));
      for (const secret of SECRETS) expect(out, `${template} (${lng}) shows "${secret}"`).not.toContain(secret);
      // Asked for explicitly (the send path does), the same.
      const explicit = shown(renderDelivery({ template, params: dataFor(template) }, lng, SH, { group: true }));
      for (const secret of SECRETS) expect(explicit).not.toContain(secret);
    });
  });

  it('would see a leak: the same data rendered for a person shows the words', () => {
    const person = (template: string) => shown(renderDelivery({ template, params: dataFor(template), personId: 'p1' }, 'zh-CN', SH));
    for (const template of ['escalation_alert', 'unassigned', 'urgent_hazard', 'dispute_overnight', 'summons_overdue', 'sweep']) expect(person(template), template).toContain(WORDS);
    expect(person('urged')).toContain(NAME);
  });

  it('keeps the category, grid, reference and level, and offers 查看内容 for the words', () => {
    const alert = renderDelivery({ template: 'escalation_alert', params: dataFor('escalation_alert'), chatId: '-100123' }, 'zh-CN', SH);
    expect(alert.text).toContain(REF);
    expect(alert.text).toContain('纠纷');
    expect(alert.text).toContain('水川村第三组');
    expect(alert.text).toContain('村里');
    expect(alert.text).toContain('点“查看内容”私下查看');
    expect(alert.buttons?.flat()[0]).toEqual({ label: '查看内容', data: `mx:view:${REF}` });
    const { ref: _none, ...list } = dataFor('sweep');
    const sweep = renderDelivery({ template: 'sweep', params: list, chatId: '-100123' }, 'zh-CN', SH);
    expect(sweep.text).toContain(`· ${REF} 水川村第三组 纠纷（负责人：李冬梅`);
    expect(sweep.buttons?.flat().map((b) => b.label)).toEqual(['查看清单', `督办 ${REF}`, '督办 0000-0026']);
    expect(sweep.buttons?.flat()[0]?.data).toBe(`nx:disputes:${NODE}`);
  });

  it('lets through only what it knows, in the shape it expects', () => {
    const v = groupView({ ref: REF, category: 'dispute', grid: '水川村', count: 2, summary: WORDS, anything_new: WORDS, ref2: REF, category2: 'x', level: 'somewhere', grid_note: WORDS, dueAt: WORDS, reasonKey: WORDS, refs: [REF, WORDS] });
    expect(v.params).toEqual({ ref: REF, category: 'dispute', grid: '水川村', count: 2, refs: [REF] });
    expect(v.withheld.sort()).toEqual(['anything_new', 'category2', 'dueAt', 'grid_note', 'level', 'reasonKey', 'ref2', 'summary'].sort());
    // A multi-line "grid" is not a name from the roster.
    expect(groupView({ grid: `水川村\n${WORDS}` }).params).toEqual({});
  });
});
