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
const keysOf = (lng: string) => new Set(Object.entries(resources[lng] ?? {}).flatMap(([ns, tree]) => flatten(tree).map((k) => `${ns}:${k}`)));
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
    const placeholders = (s: string) => [...new Set([...s.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]))].sort();
    for (const key of all) {
      const [ns, k] = key.split(':') as [string, string];
      const text = k.split('.').reduce<any>((o, part) => o?.[part], resources[lng]?.[ns]);
      expect(typeof text === 'string' && text.trim().length > 0, `${lng} ${key}`).toBe(true);
      const base = k.split('.').reduce<any>((o, part) => o?.[part], resources['zh-CN']?.[ns]);
      expect(placeholders(text), `${lng} ${key}`).toEqual(placeholders(base));
    }
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
