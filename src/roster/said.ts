// Roster problems travel as a locale key and its parameters, so the CLI shows them in the reader's
// language; `message` keeps the English text for logs and for errors thrown past the CLI.
import { t } from '../i18n/index.js';

export interface Said {
  /** A key in locales/<lang>/roster.json, e.g. roster:unknown_code. */
  key: string;
  /** Parameters; one named `<name>Key` is itself a key, translated and passed as `<name>`. */
  params: Record<string, unknown>;
}

/** Translates a roster message into `locale`. */
export function sayRoster(locale: string, s: Said): string {
  const params: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s.params)) if (!k.endsWith('Key')) params[k] = v;
  for (const [k, v] of Object.entries(s.params)) if (k.endsWith('Key') && typeof v === 'string') params[k.slice(0, -3)] = t(locale, v, params);
  return t(locale, s.key, params);
}

export function said(key: string, params: Record<string, unknown> = {}): Said & { message: string } {
  const s = { key: `roster:${key}`, params };
  return { ...s, message: sayRoster('en', s) };
}

const MARK = '\u0001roster\u0001';

/** A message for zod: the key and parameters travel inside the string; `unpack` takes them out. */
export function packed(key: string, params: Record<string, unknown> = {}): string {
  return `${MARK}${JSON.stringify({ key: `roster:${key}`, params })}`;
}

/** The key of a message made by `packed`; any other text becomes roster:other. */
export function unpack(message: string): Said & { message: string } {
  const s: Said = message.startsWith(MARK) ? (JSON.parse(message.slice(MARK.length)) as Said) : { key: 'roster:other', params: { detail: message } };
  return { ...s, message: sayRoster('en', s) };
}
