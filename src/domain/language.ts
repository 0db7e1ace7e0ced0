// The language a person sees before they choose one.
import { LOCALES, type Locale } from './types.js';

/**
 * From a platform language code: zh, zh-hans, zh-cn, zh-sg → zh-CN; zh-hant, zh-tw, zh-hk, zh-mo →
 * zh-TW; any other code → en; no code → `fallback` (zh-CN unless configured).
 */
export function localeFromLanguageCode(code: string | null | undefined, fallback: Locale = 'zh-CN'): Locale {
  if (!code) return fallback;
  const c = code.toLowerCase().replace(/_/g, '-');
  if (c === 'zh-tw' || c === 'zh-hk' || c === 'zh-mo' || c.startsWith('zh-hant')) return 'zh-TW';
  if (c === 'zh' || c.startsWith('zh-')) return 'zh-CN';
  return 'en';
}

/** Each language by its own name, as a person picks it (in every language alike). */
export const LANGUAGE_NAMES: Readonly<Record<Locale, string>> = { 'zh-CN': '简体中文', 'zh-TW': '繁體中文', en: 'English' };

export function isLocale(v: unknown): v is Locale {
  return typeof v === 'string' && (LOCALES as readonly string[]).includes(v);
}
