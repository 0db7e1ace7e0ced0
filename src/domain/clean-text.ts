// Text from outside (a chat platform, a roster, the command line) made safe to store and to show:
// what Postgres cannot hold (NUL, lone surrogates) and what only disturbs (other control
// characters, bidi controls that would reorder what an officer reads) is removed, the rest is put
// in NFC and capped. Pure: every adapter calls it at its edge, before anything reaches a query.

/**
 * Longest text (in code points) kept from one input. Above every limit a flow or service applies
 * (a report takes 8,000), so a longer text still gets their "too long" answer rather than a cut.
 */
export const MAX_INPUT_CHARS = 16_384;

export interface CleanOptions {
  /** Cap in code points, cut at a character boundary (default MAX_INPUT_CHARS). */
  maxChars?: number;
  /** A name or a label: line breaks and tabs become spaces, runs of spaces one, ends trimmed. */
  singleLine?: boolean;
}

export interface CleanText {
  /** The text to keep; '' when nothing visible was left. */
  text: string;
  /** Whether any visible character is left (not only spaces, zero-width or format characters, marks). */
  visible: boolean;
  /** Whether the cap cut the text. */
  truncated: boolean;
  /** Whether anything was removed, replaced or cut. */
  changed: boolean;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
/** C0 controls but tab and line feed (carriage returns are turned into line feeds first), DEL, C1. */
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;
/** Embeddings, overrides and isolates, the LTR/RTL marks and the Arabic letter mark. */
const BIDI = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/g;
/**
 * One character that shows something: not white space, not a control or format character
 * (zero-width space and joiners, tags), not a mark on its own (combining marks, variation
 * selectors), not one of the blank letters used to fake an empty name (Hangul fillers, braille blank).
 */
const VISIBLE = /[^\s\p{Cc}\p{Cf}\p{M}\p{Z}\u115F\u1160\u3164\uFFA0\u2800]/u;

/** Whether `text` has anything a reader would see. */
export function hasVisibleText(text: string): boolean {
  return VISIBLE.test(text);
}

/** Cleans one value; anything but a string is ''. Defaults: MAX_INPUT_CHARS, line breaks kept. */
export function cleanText(raw: unknown, opts: CleanOptions = {}): CleanText {
  if (typeof raw !== 'string') return { text: '', visible: false, truncated: false, changed: raw !== undefined && raw !== null };
  let text = raw.replace(/\r\n?/g, '\n').replace(LONE_SURROGATE, '').replace(CONTROL, '').replace(BIDI, '').normalize('NFC');
  if (opts.singleLine) text = text.replace(/[\s\u0085]+/g, ' ').trim();
  const cut = cutAt(text, opts.maxChars ?? MAX_INPUT_CHARS);
  const truncated = cut.length < text.length;
  const visible = hasVisibleText(cut);
  const kept = visible ? cut : '';
  return { text: kept, visible, truncated, changed: kept !== raw };
}

/**
 * Cleans every string in plain data (object keys too): what a platform handed over, before it
 * is queued or stored. Numbers, booleans and null are kept; other objects are kept as they are.
 */
export function cleanDeep<T>(value: T, opts: CleanOptions = {}): T {
  return walk(value, opts, 0) as T;
}

function walk(value: unknown, opts: CleanOptions, depth: number): unknown {
  if (typeof value === 'string') return cleanText(value, opts).text;
  // Deeper than any platform's payload: a hostile document, not data.
  if (depth > 64) return null;
  if (Array.isArray(value)) return value.map((v) => walk(v, opts, depth + 1));
  if (value !== null && typeof value === 'object' && (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[cleanText(k, { maxChars: 256 }).text] = walk(v, opts, depth + 1);
    return out;
  }
  return value;
}

/** The first `max` code points, not splitting a character (an emoji with its joiners, a letter with its marks). */
function cutAt(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = 0;
  for (let count = 0; cut < text.length && count < max; count++) cut += text.codePointAt(cut)! > 0xffff ? 2 : 1;
  if (cut >= text.length) return text;
  // Back to the last character boundary, read in a small window: segmenting a long text is slow.
  const from = Math.max(0, cut - 128);
  let boundary = from;
  for (const { index } of new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(text.slice(from, cut + 128))) {
    if (from + index > cut) break;
    boundary = from + index;
  }
  return text.slice(0, boundary).replace(/[\uD800-\uDBFF]$/, '');
}
