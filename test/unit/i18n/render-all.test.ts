// Every string of every namespace, rendered once in zh-CN, zh-TW and en with sample values made
// from its own {{placeholders}} (so keys added later are covered too). None may show an empty
// bracket, a raw key, a leftover placeholder, a command-line command, or a name twice.
import { describe, expect, it } from 'vitest';
import { LOCALES } from '../../../src/domain/types.js';
import { Converter } from 'opencc-js/cn2t';
import { loadResources, ROSTER_PARAMS, translator } from '../../../src/i18n/index.js';

type Tree = Record<string, unknown>;

function leaves(obj: Tree, prefix = ''): Array<[string, string]> {
  return Object.entries(obj).flatMap(([k, v]): Array<[string, string]> =>
    v && typeof v === 'object' ? leaves(v as Tree, `${prefix}${k}.`) : typeof v === 'string' ? [[`${prefix}${k}`, v]] : [],
  );
}

// The person a notification is about: `who` is their title and name, as notify renders it.
const PERSON = '李冬梅';
const TITLE = '第三组专职网格员';
// Other people named in a text are different people.
const OTHERS = ['王秀英', '张国华', '刘建国', '赵红梅', '何建军', '陈国华', '罗秀英', '石红妹'];
const NUMERIC = /count|remaining|open|overdue|supervised|days|minutes|hours|rating|total|settled|pid|seq|number|max|min|limit$|^n$|size$/i;

/** A sample value for each placeholder, chosen by its name alone. */
function samples(ns: string, text: string): Record<string, unknown> {
  const names = [...new Set([...text.matchAll(/\{\{\s*([\w.]+)\s*\}\}/g)].map((m) => m[1]!))];
  let other = 0;
  const out: Record<string, unknown> = {};
  // A department liaison's title names their department (县司法局联络员).
  const title = names.includes('department') ? '县司法局联络员' : TITLE;
  for (const name of names) {
    const key = name.split('.')[0]!;
    // In a notification `who` is the assignee's title and name; elsewhere it is whoever acted.
    if (key === 'who') out[key] = `${title}${PERSON}`;
    else if (key === 'assignee' && ns === 'notify') out[key] = PERSON;
    else if (key === 'title' || key === 'titles') out[key] = title;
    else if (key === 'ref' || key === 'refs') out[key] = '0000-0018';
    else if (/^(due|at|reported|when|time|since|until|from_time|day)$/i.test(key) || /At$/.test(key)) out[key] = '11月30日 20:00';
    else if (/department/i.test(key)) out[key] = key.endsWith('s') ? '县司法局、县水利局' : '县司法局';
    else if (NUMERIC.test(key)) out[key] = 3;
    // Roster problems name grid codes (a join code's holder is a grid), not people.
    else if (/^(level|size|topic|category|limit|step|state)Name$/.test(key) || key === 'grid' || key === 'node' || key === 'place' || (ns === 'roster' && key === 'holder')) out[key] = `«${key}»`;
    else if (/name|person|from|to$|by$|villager|officer|leader|cadre|whistler|holder|actor|reporter/i.test(key)) out[key] = OTHERS[other++ % OTHERS.length];
    else out[key] = `«${key}»`;
  }
  return out;
}

const EMPTY_BRACKET = /（\s*）|\(\s*\)|【\s*】|\[\s*\]|「\s*」|“\s*”/;
const RAW_KEY = /\b(?:common|notify|intake|cli|ladder|flows|telegram|slack|errors|stats|alerts):[a-z_]+(?:\.[\w]+)*/;
const LEFTOVER = /\{\{|\}\}/;
const CLI_COMMAND = /\bgridline\s|\bnpx\s|\bnpm\s/;
// A run of three or more Chinese characters said twice in a row ("县司法局县司法局").
// zh-TW as Taiwan writes it: 傳送, 聯絡, 儲存, 執行, 追蹤, 回饋, 私訊, 訊息, 民眾.
const MAINLAND = ['發送', '聯繫', '保存', '運行', '跟蹤', '反饋', '私聊', '信息', '群眾', '在崗', '視頻', '短信', '默認', '網絡', '軟件'];
// One word per idea in each language (the list): 辦結 not 結案, 期限 not 時限, 綁定 not 連結;
// Taiwan's 群組, 推播, 統計. "chat:" ones hold in what people read in chat, not the admin's CLI.
const ONE_TERM: Record<string, Array<[RegExp, string]>> = {
  'zh-TW': [
    [/結案/, '辦結, not 結案'],
    [/時限/, '期限, not 時限'],
    [/連結帳號|關聯/, '綁定 an account'],
    [/推送/, '推播 or 傳送, not 推送'],
    [/群(?![組眾])/, '群組, not 群'],
    [/數字/, 'chat: 統計, not 數字'],
    [/公共安全/, 'the topic is 安全生產'],
  ],
  'zh-CN': [
    [/结案/, '办结, not 结案'],
    [/关联/, '绑定 an account'],
    [/的数字/, 'chat: 统计数据, not 数字'],
  ],
};
const DOUBLED_HAN = /(\p{Script=Han}{3,})\1/u;

function problems(ns: string, key: string, rendered: string, lng = 'zh-CN'): string[] {
  const found: string[] = [];
  if (!rendered.trim()) found.push('empty');
  if (rendered === key || rendered === `${ns}:${key}`) found.push('raw key');
  if (EMPTY_BRACKET.test(rendered)) found.push('empty bracket');
  if (RAW_KEY.test(rendered)) found.push('raw key inside');
  if (LEFTOVER.test(rendered)) found.push('leftover placeholder');
  // The command line's own output may name its commands; nothing said to a person in chat may.
  if (ns !== 'cli' && CLI_COMMAND.test(rendered)) found.push('CLI command');
  if (lng === 'zh-TW') for (const w of MAINLAND) if (rendered.includes(w)) found.push(`mainland term: ${w}`);
  for (const [pattern, why] of ONE_TERM[lng] ?? []) if ((ns !== 'roster' && ns !== 'cli') || !why.startsWith('chat:')) if (pattern.test(rendered)) found.push(`term: ${why}`);
  if (DOUBLED_HAN.test(rendered)) found.push(`doubled: ${DOUBLED_HAN.exec(rendered)![1]}`);
  for (const n of [PERSON, ...OTHERS]) if (rendered.split(n).length > 2) found.push(`name twice: ${n}`);
  return found;
}

const resources = loadResources();
const PLURAL = /_(zero|one|two|few|many|other)$/;

/**
 * Every key of every locale, plural forms as one key: [namespace, key, a text of it, plural?].
 * The union over the locales, so a key one locale lacks is rendered there too (and caught).
 */
function allKeys(): Array<[string, string, string, boolean]> {
  const seen = new Map<string, [string, string, string, boolean]>();
  for (const lng of LOCALES) {
    for (const [ns, tree] of Object.entries(resources[lng] ?? {})) {
      for (const [key, text] of leaves(tree as Tree)) {
        const base = key.replace(PLURAL, '');
        const id = `${ns}:${base}`;
        const prior = seen.get(id);
        seen.set(id, [ns, base, prior?.[2] ?? text, Boolean(prior?.[3]) || base !== key]);
      }
    }
  }
  return [...seen.values()];
}

/** Whether `lng` writes the key itself (a plural form counts), rather than falling back to another language. */
function written(lng: string, ns: string, key: string): boolean {
  const parts = key.split('.');
  const parent = parts.slice(0, -1).reduce<any>((o, part) => o?.[part], resources[lng]?.[ns]);
  const last = parts[parts.length - 1]!;
  return Object.keys(parent ?? {}).some((k) => k === last || k.replace(PLURAL, '') === last);
}

// A code word left in a text (deadline_missed, report_in_overdue) instead of words. The command
// line's own output and the roster checker may name file fields (grid_leader) for the administrator.
const RAW_CODE = /(?<![\w/«-])[a-z]+(?:_[a-z]+)+(?![\w»])/;
const PLURAL_HACK = /\(s\)/;
const HAN = /\p{Script=Han}/u;
// Chinese an English text names on purpose: the practice's own name, the prefix a person may type.
const CHINESE_IN_ENGLISH = ['纠纷不过夜', '备注'];

function wordProblems(ns: string, lng: string, rendered: string, values: readonly unknown[]): string[] {
  const found: string[] = [];
  if (ns !== 'cli' && ns !== 'roster' && RAW_CODE.test(rendered)) found.push(`raw code: ${RAW_CODE.exec(rendered)![0]}`);
  if (PLURAL_HACK.test(rendered)) found.push('"(s)"');
  if (lng === 'en') {
    // Sample values are Chinese names; what is left must be English (no zh-CN text fallen back to).
    let rest = rendered;
    const said = [...values.filter((v): v is string => typeof v === 'string' && v.length > 0), ...CHINESE_IN_ENGLISH].sort((a, b) => b.length - a.length);
    for (const v of said) rest = rest.split(v).join('');
    if (HAN.test(rest)) found.push(`Chinese in English: ${[...rest].filter((c) => HAN.test(c)).join('').slice(0, 20)}`);
  }
  return found;
}

describe('every string, rendered with sample values', () => {
  it.each(LOCALES)('%s reads cleanly', (lng) => {
    const tr = translator(lng);
    const bad: string[] = [];
    let rendered = 0;
    for (const [ns, key, text, plural] of allKeys()) {
      if (!written(lng, ns, key)) {
        bad.push(`${ns}:${key} — not written in ${lng} (falls back to another language)`);
        continue;
      }
      for (const count of plural ? [1, 3] : [undefined]) {
        const values = { ...samples(ns, text), ...(count === undefined ? {} : { count }) };
        const out = tr(`${ns}:${key}`, values);
        rendered++;
        const found = [...problems(ns, key, out, lng), ...wordProblems(ns, lng, out, Object.values(values))];
        if (found.length) bad.push(`${ns}:${key} — ${found.join(', ')}: ${out.replace(/\n/g, '⏎').slice(0, 160)}`);
      }
    }
    expect(rendered).toBeGreaterThan(300);
    expect(bad).toEqual([]);
  });

  it('uses the right plural form in English', () => {
    const tr = translator('en');
    expect(tr('flows:draft.photos', { count: 1 })).toBe('1 photo');
    expect(tr('flows:draft.photos', { count: 3 })).toBe('3 photos');
    expect(tr('flows:draft.photos', { count: 3 })).not.toMatch(PLURAL_HACK);
    expect(translator('zh-CN')('flows:draft.photos', { count: 1 })).toBe('照片 1 张');
  });

  it('lower-cases a size or a category mid-sentence in English', () => {
    const tr = translator('en');
    expect(tr('flows:size.pick', { ref: '0000-0018', size: tr('common:size.big') })).toMatch(/^Matter 0000-0018 is now a big matter\./);
    expect(tr('notify:urgent_hazard', { grid: 'Group 3', category: tr('common:category.hazard'), ref: '0000-0018', levelName: tr('notify:level_names.village'), summary: '…' })).toMatch(
      /^\[URGENT HAZARD\] A hazard reported from Group 3: someone is in danger now! Ref 0000-0018, now supervised by the village\./,
    );
  });

  it('catches a raw code, a "(s)" and Chinese in English', () => {
    expect(wordProblems('flows', 'zh-CN', '11月30日 20:00 系统：deadline_missed', [])).toContain('raw code: deadline_missed');
    expect(wordProblems('flows', 'zh-CN', '系统：report_in_overdue', [])).toContain('raw code: report_in_overdue');
    expect(wordProblems('notify', 'en', 'still has 3 dispute(s)', [])).toContain('"(s)"');
    expect(wordProblems('notify', 'en', 'Handled by 李冬梅', ['李冬梅'])).toEqual([]);
    expect(wordProblems('notify', 'en', '您的事项 0000-0018', [])).toContain('Chinese in English: 您的事项');
    expect(wordProblems('flows', 'en', 'Send /grid link CODE «grid_name»', [])).toEqual([]);
    expect(written('en', 'flows', 'draft.photos')).toBe(true);
    expect(written('en', 'flows', 'draft.no_such_key')).toBe(false);
  });

  it('catches what it is meant to catch', () => {
    expect(problems('intake', 'x', '还没有找到您的登记信息（）。')).toContain('empty bracket');
    expect(problems('notify', 'x', '完整数字请看 gridline stats。')).toContain('CLI command');
    const fill = (ns: string, text: string) => text.replace(/\{\{(\w+)\}\}/g, (_, k: string) => String(samples(ns, text)[k]));
    expect(problems('notify', 'x', fill('notify', '【部门报到】{{department}}{{who}}已就事项 {{ref}} 报到。'))).toContain('doubled: 县司法局');
    expect(problems('notify', 'x', fill('notify', '【部门报到】{{department}}的{{assignee}}已就事项 {{ref}} 报到。'))).toEqual([]);
    expect(problems('notify', 'x', '您的事项 {{ref}} 已受理')).toContain('leftover placeholder');
    expect(problems('notify', 'x', 'notify:receipt')).toContain('raw key inside');
    expect(problems('notify', 'x', `${TITLE}${PERSON}请${PERSON}办理`)).toContain(`name twice: ${PERSON}`);
    expect(problems('cli', 'x', '先用 gridline import 导入名册。')).toEqual([]);
    expect(problems('flows', 'x', '請聯繫網格員', 'zh-TW')).toContain('mainland term: 聯繫');
  });

  it('shows a zh-TW reader roster text in traditional characters, in every message', () => {
    // The roster is written in simplified characters: a grid, a department, a title, a topic, an FAQ.
    const ROSTER_SAMPLES: Record<string, string> = {
      grid: '水川村第三组', place: '湖泽镇水川村第三组', node: '湖泽镇', title: '第三组专职网格员', titles: '第三组专职网格员、网格长',
      department: '湖泽派出所', departments: '湖泽派出所、县水务局', topic: '安全生产', faq: '低保怎么申请', answer: '带上身份证到村委会办理',
      who: '专职网格员张国华', name: '张国华', to: '陈丽华', from: '罗秀兰', by: '张国华', byName: '张国华', previous: '罗秀兰',
      assignee: '张国华', holder: '张国华', carer: '专职网格员张国华', person: '张国华',
    };
    const tr = translator('zh-TW');
    const bad: string[] = [];
    let checked = 0;
    for (const [ns, key, text, plural] of allKeys()) {
      if (ns === 'cli' || ns === 'roster') continue;
      const values: Record<string, unknown> = { ...samples(ns, text), ...(plural ? { count: 3 } : {}) };
      const used = Object.keys(values).filter((k) => ROSTER_PARAMS.has(k));
      if (!used.length) continue;
      for (const k of used) values[k] = ROSTER_SAMPLES[k] ?? values[k];
      const out = tr(`${ns}:${key}`, values);
      checked++;
      const simplified = stillSimplified(out);
      if (simplified) bad.push(`${ns}:${key} — ${simplified}: ${out.replace(/\n/g, '⏎').slice(0, 120)}`);
    }
    expect(checked).toBeGreaterThan(100);
    expect(bad).toEqual([]);
  });

  it('catches simplified characters in a zh-TW text', () => {
    expect(stillSimplified('水川村第三组的糾紛')).toBe('组');
    expect(stillSimplified('水川村第三組的鄰里糾紛，請了解')).toBe('');
  });
});

const toTaiwan = Converter({ from: 'cn', to: 'tw' });
// Characters Taiwan writes as they are, though a conversion may change them in some words (鄰里, 了解, 平台).
const ALSO_TRADITIONAL = new Set(['里', '了', '台']);

/** The characters of a zh-TW text that converting it again would change (so were simplified), '' when none. */
function stillSimplified(text: string): string {
  const before = [...text];
  const after = [...toTaiwan(text)];
  if (after.length !== before.length) return toTaiwan(text) === text ? '' : 'length changed';
  return before.filter((c, i) => c !== after[i] && !ALSO_TRADITIONAL.has(c)).join('');
}
