// Every user-facing string is a key in locales/<lang>/<namespace>.json. Keys are written
// `namespace:key` in code; a test fails when any locale lacks a key another has, or a key the
// code uses.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import i18next, { type i18n as I18n } from 'i18next';
import { LOCALES, type Locale } from '../domain/types.js';

export const LOCALES_DIR = fileURLToPath(new URL('../../locales', import.meta.url));
export const DEFAULT_NS = 'common';

type Resources = Record<string, Record<string, Record<string, unknown>>>;

export function loadResources(dir = LOCALES_DIR): Resources {
  const resources: Resources = {};
  for (const lng of readdirSync(dir)) {
    const lngDir = path.join(dir, lng);
    resources[lng] = {};
    for (const file of readdirSync(lngDir).filter((f) => f.endsWith('.json'))) {
      resources[lng][file.replace(/\.json$/, '')] = JSON.parse(readFileSync(path.join(lngDir, file), 'utf8'));
    }
  }
  return resources;
}

let instance: I18n | null = null;

function init(): I18n {
  const resources = loadResources();
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

/** Translates `key` (`namespace:key`) for one person. */
export function t(locale: string, key: string, params: Record<string, unknown> = {}): string {
  return i18n().t(key, { ...params, lng: toLocale(locale) });
}

/** A translator bound to one locale. */
export function translator(locale: string): (key: string, params?: Record<string, unknown>) => string {
  const fixed = i18n().getFixedT(toLocale(locale));
  return (key, params = {}) => fixed(key, params);
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
