// What a platform's own dialog needs before the person fills it in (a Slack modal must open within
// 3 seconds of the command, too soon to wait for the chat queue): the choices only the store
// knows. The answers come back as a `form` chat update, through the flows, checked again there.
import type { Locale, Platform } from '../domain/types.js';

/** The /broadcast form's fields for one person: the places they may send to, in their language. */
export interface BroadcastFormFields {
  locale: Locale;
  /** `value`: the node's id; the label is its name. */
  places: Array<{ value: string; label: string }>;
}

/**
 * The /broadcast form's field for the words in another language than the cadre's own (`text`);
 * `lang` narrows it to the people using one language ('all', or absent: everyone).
 */
export const broadcastVersionField = (locale: Locale): string => `version_${locale}`;

export interface FormFields {
  /** Null when the person may send no notice (unknown here, or not staff): the chat flow answers them. */
  broadcast(platform: Platform, userId: string): Promise<BroadcastFormFields | null>;
}
