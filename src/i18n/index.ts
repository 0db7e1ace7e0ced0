// Every user-facing string is a key in locales/<lang>/<namespace>.json. Keys are written
// `namespace:key` in code; a test fails when any locale lacks a key another has, or a key the
// code uses.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import i18next, { type i18n as I18n } from 'i18next';
import { LOCALES, type Locale } from '../domain/types.js';

export const LOCALES_DIR = fileURLToPath(new URL('../../locales', import.meta.url));
export const DEFAULT_NS = 'common';

type Resources = Record<string, Record<string, Record<string, unknown>>>;

export function loadResources(dir = LOCALES_DIR, only?: readonly string[]): Resources {
  const resources: Resources = {};
  for (const lng of readdirSync(dir)) {
    if (only && !only.includes(lng)) continue;
    const lngDir = path.join(dir, lng);
    resources[lng] = {};
    for (const file of readdirSync(lngDir).filter((f) => f.endsWith('.json'))) {
      resources[lng][file.replace(/\.json$/, '')] = JSON.parse(readFileSync(path.join(lngDir, file), 'utf8'));
    }
  }
  return resources;
}

let instance: I18n | null = null;
let onlyLocales: Locale[] | undefined;

/**
 * For a short-lived process that speaks one language (the CLI): only these locales' files are
 * read, with zh-CN (the fallback) beside them. Takes effect when called before the first translation.
 */
export function loadOnlyLocales(locales: readonly Locale[]): void {
  if (!instance) onlyLocales = [...new Set<Locale>([...locales, 'zh-CN'])];
}

function init(): I18n {
  const resources = loadResources(LOCALES_DIR, onlyLocales);
  const inst = i18next.createInstance();
  void inst.init({
    initAsync: false,
    resources,
    lng: 'zh-CN',
    fallbackLng: 'zh-CN',
    supportedLngs: [...LOCALES],
    ns: Object.keys(resources['zh-CN'] ?? {}),
    defaultNS: DEFAULT_NS,
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  // "marked it a {{size, lower}}": a name that starts a line (a button, a heading) is written
  // capitalised once in the locale; mid-sentence it is lower-cased here.
  inst.services.formatter?.add('lower', (value: unknown, lng?: string) => (typeof value === 'string' ? value.toLocaleLowerCase(lng) : String(value)));
  return inst;
}

export function i18n(): I18n {
  instance ??= init();
  return instance;
}

/** Picks a supported locale from a stored or platform language code, zh-CN when none fits. */
export function toLocale(code: string | null | undefined, fallback: Locale = 'zh-CN'): Locale {
  if (!code) return fallback;
  const c = code.toLowerCase();
  if (c === 'zh-tw' || c === 'zh-hk' || c === 'zh-hant' || c.startsWith('zh-hant')) return 'zh-TW';
  if (c.startsWith('zh')) return 'zh-CN';
  if (c.startsWith('en')) return 'en';
  return (LOCALES as readonly string[]).includes(code) ? (code as Locale) : fallback;
}

/**
 * Parameters that carry text from the roster (grid and place names, titles, people's names,
 * departments, topics, FAQ entries), never a person's own words. The roster is written in
 * simplified characters; a zh-TW reader sees these in traditional ones (see readerScript).
 */
export const ROSTER_PARAMS: ReadonlySet<string> = new Set([
  'grid', 'place', 'node', 'title', 'titles', 'department', 'departments', 'topic', 'faq', 'answer',
  'who', 'name', 'to', 'from', 'by', 'byName', 'previous', 'assignee', 'holder', 'carer', 'person', 'village',
]);

const require = createRequire(import.meta.url);
const SCRIPT_CACHE_MAX = 5000;
const toTraditional = new Map<string, string>();
let cn2tw: ((text: string) => string) | null = null;

/** Roster text in the reader's script: converted to traditional characters (Taiwan) for zh-TW, kept. */
export function readerScript(locale: string, text: string): string {
  if (toLocale(locale) !== 'zh-TW' || !/\p{Script=Han}/u.test(text)) return text;
  const known = toTraditional.get(text);
  if (known !== undefined) return known;
  // Loaded at the first zh-TW reader: its dictionaries are ~2 MB that a simplified-only village never needs.
  const convert = (cn2tw ??= (require('opencc-js/cn2t') as typeof import('opencc-js/cn2t')).Converter({ from: 'cn', to: 'tw' }));
  const out = convert(text);
  if (toTraditional.size >= SCRIPT_CACHE_MAX) toTraditional.clear();
  toTraditional.set(text, out);
  return out;
}

/** The one place roster text enters a rendered message: its parameters, in the reader's script. */
function forReader(lng: Locale, params: Record<string, unknown>): Record<string, unknown> {
  if (lng !== 'zh-TW') return params;
  const out: Record<string, unknown> = { ...params };
  for (const k of Object.keys(params)) if (ROSTER_PARAMS.has(k) && typeof params[k] === 'string') out[k] = readerScript(lng, params[k]);
  return out;
}

/** Translates `key` (`namespace:key`) for one person. */
export function t(locale: string, key: string, params: Record<string, unknown> = {}): string {
  const lng = toLocale(locale);
  return i18n().t(key, { ...forReader(lng, params), lng });
}

/** A translator bound to one locale. */
export function translator(locale: string): (key: string, params?: Record<string, unknown>) => string {
  const lng = toLocale(locale);
  const fixed = i18n().getFixedT(lng);
  return (key, params = {}) => fixed(key, forReader(lng, params));
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Formats a time in a zone for a locale, e.g. 11月27日 20:00. Formatters are costly: kept. */
export function formatTime(at: Date, locale: string, timeZone = 'Asia/Shanghai'): string {
  const lng = toLocale(locale);
  const key = `${lng}|${timeZone}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(lng, { timeZone, month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false });
    formatters.set(key, f);
  }
  return f.format(at);
}

/** The time of day in a zone, e.g. 20:00 (for a zone's button). */
export function formatClock(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hour12: false }).format(at);
}
