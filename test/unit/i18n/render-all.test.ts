// Every string of every namespace, rendered once in zh-CN, zh-TW and en with sample values made
// from its own {{placeholders}} (so keys added later are covered too). None may show an empty
// bracket, a raw key, a leftover placeholder, a command-line command, or a name twice.
import { describe, expect, it } from 'vitest';
import { LOCALES } from '../../../src/domain/types.js';
import { loadResources, translator } from '../../../src/i18n/index.js';

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
  if (DOUBLED_HAN.test(rendered)) found.push(`doubled: ${DOUBLED_HAN.exec(rendered)![1]}`);
  for (const n of [PERSON, ...OTHERS]) if (rendered.split(n).length > 2) found.push(`name twice: ${n}`);
  return found;
}

const resources = loadResources();

describe('every string, rendered with sample values', () => {
  it.each(LOCALES)('%s reads cleanly', (lng) => {
    const tr = translator(lng);
    const bad: string[] = [];
    let rendered = 0;
    for (const [ns, tree] of Object.entries(resources[lng] ?? {})) {
      for (const [key, text] of leaves(tree as Tree)) {
        const out = tr(`${ns}:${key}`, samples(ns, text));
        rendered++;
        const found = problems(ns, key, out, lng);
        if (found.length) bad.push(`${ns}:${key} — ${found.join(', ')}: ${out.replace(/\n/g, '⏎').slice(0, 160)}`);
      }
    }
    expect(rendered).toBeGreaterThan(300);
    expect(bad).toEqual([]);
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
});
