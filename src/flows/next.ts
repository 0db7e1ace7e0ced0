// Small builders for where a step leads, so flows read as sentences.
import type { AckMark } from '../ports/channel.js';
import type { FlowData, LocaleText, Next, Say } from './types.js';

/** Locale text: `say('flows:register.done', { name })`. */
export const say = (key: string, params?: Record<string, unknown>): LocaleText => ({ key, params });

/** Text already in the person's language (names, lists put together from data). */
export const literal = (text: string): Say => ({ text });

/** Text from the roster (a grid's or department's name, a title, an FAQ question): shown in the reader's script. */
export const rosterText = (text: string): LocaleText => ({ key: 'flows:matter.roster_text', params: { name: text } });

export const goto = (step: string, opts: { data?: FlowData; say?: Say[] } = {}): Next => ({ to: 'step', step, ...opts });
export const stay = (opts: { data?: FlowData; say?: Say[]; quiet?: boolean } = {}): Next => ({ to: 'stay', ...opts });
export const done = (opts: { say?: Say[]; menu?: boolean; ack?: AckMark } = {}): Next => ({ to: 'done', ...opts });
export const startFlow = (flow: string, opts: { data?: FlowData; say?: Say[]; step?: string } = {}): Next => ({ to: 'flow', flow, ...opts });
