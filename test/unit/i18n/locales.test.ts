// Every locale has every key, and every key the code names exists.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOCALES } from '../../../src/domain/types.js';
import { loadResources, t } from '../../../src/i18n/index.js';

function flatten(obj: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(obj).flatMap(([k, v]) => (v && typeof v === 'object' ? flatten(v as Record<string, unknown>, `${prefix}${k}.`) : [`${prefix}${k}`]));
}

const resources = loadResources();
// i18next's plural forms (en: texts_one / texts_other) are one key; Chinese writes it once.
const PLURAL = /_(zero|one|two|few|many|other)$/;
const keysOf = (lng: string) => new Set(Object.entries(resources[lng] ?? {}).flatMap(([ns, tree]) => flatten(tree).map((k) => `${ns}:${k.replace(PLURAL, '')}`)));
const all = new Set(LOCALES.flatMap((l) => [...keysOf(l)]));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? sourceFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('locales', () => {
  it.each(LOCALES)('%s has every key', (lng) => {
    const have = keysOf(lng);
    expect([...all].filter((k) => !have.has(k))).toEqual([]);
  });

  it.each(LOCALES)('%s has no empty text and keeps every placeholder of zh-CN', (lng) => {
    // {{size, lower}} is the placeholder size with a formatter.
    const placeholders = (s: string) => [...new Set([...s.matchAll(/\{\{(\w+)(?:\s*,[^}]*)?\}\}/g)].map((m) => m[1]))].sort();
    const lookup = (l: string, ns: string, k: string): string[] => {
      const parts = k.split('.');
      const parent = parts.slice(0, -1).reduce<any>((o, part) => o?.[part], resources[l]?.[ns]);
      const last = parts[parts.length - 1]!;
      return Object.entries(parent ?? {}).filter(([name]) => name === last || name.replace(PLURAL, '') === last).map(([, v]) => v as string);
    };
    for (const key of all) {
      const [ns, k] = key.split(':') as [string, string];
      const texts = lookup(lng, ns, k);
      expect(texts.length > 0 && texts.every((text) => typeof text === 'string' && text.trim().length > 0), `${lng} ${key}`).toBe(true);
      const base = lookup('zh-CN', ns, k)[0]!;
      for (const text of texts) expect(placeholders(text), `${lng} ${key}`).toEqual(placeholders(base));
    }
  });

  it('writes each English plural in both forms', () => {
    const en = Object.entries(resources.en ?? {}).flatMap(([ns, tree]) => flatten(tree).map((k) => `${ns}:${k}`));
    for (const k of en.filter((x) => x.endsWith('_one'))) expect(en, k).toContain(k.replace(/_one$/, '_other'));
    for (const k of en.filter((x) => x.endsWith('_other'))) expect(en, k).toContain(k.replace(/_other$/, '_one'));
    expect(en.filter((x) => x.endsWith('_one')).length).toBeGreaterThan(5);
  });

  it('has every literal key the code uses', () => {
    const used = new Set<string>();
    for (const file of sourceFiles(path.resolve('src'))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/['"`]((?:common|notify|intake|cli|ladder|flows|telegram|slack|errors|stats|alerts):[a-z_][\w.]*)['"`]/g)) used.add(m[1]!);
    }
    expect(used.size).toBeGreaterThan(20);
    expect([...used].filter((k) => !all.has(k))).toEqual([]);
  });

  it('renders in each language', () => {
    expect(t('zh-CN', 'common:category.dispute')).toBe('纠纷');
    expect(t('zh-TW', 'common:category.dispute')).toBe('糾紛');
    expect(t('en', 'common:category.dispute')).toBe('Dispute');
    expect(t('fr', 'common:category.dispute')).toBe('纠纷');
  });
});
