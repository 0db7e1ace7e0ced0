// WeCom refuses (45002) or cuts a text over 2048 bytes of UTF-8 — about 680 Chinese characters —
// in an app message, a markdown message and a 微信客服 text alike. Longer texts go as several
// messages, cut where a reader would pause (paragraph, line, sentence, word) and never inside a
// character or an emoji sequence. On 微信客服 each part spends one of the window's 5 messages:
// the send side should prefer fewer, longer parts.
export const WECOM_TEXT_BYTES = 2048;

const SENTENCE_END = /[。！？!?；;…]/u;
const segmenter = new Intl.Segmenter('zh', { granularity: 'grapheme' });

/** Splits `text` into parts of at most `maxBytes` UTF-8 bytes (default 2048). */
export function splitText(text: string, maxBytes = WECOM_TEXT_BYTES): string[] {
  if (Buffer.byteLength(text) <= maxBytes) return [text];
  const parts: string[] = [];
  let rest = text;
  while (Buffer.byteLength(rest) > maxBytes) {
    const fits = fittingPrefix(rest, maxBytes);
    const cut = cutPoint(rest.slice(0, fits));
    const part = rest.slice(0, cut).trimEnd();
    if (part) parts.push(part);
    rest = rest.slice(cut).replace(/^\s+/, '');
  }
  if (rest.trim() || !parts.length) parts.push(rest);
  return parts;
}

/** The length (UTF-16 units) of the longest run of whole graphemes within `maxBytes`; at least one code point. */
function fittingPrefix(text: string, maxBytes: number): number {
  let bytes = 0;
  let end = 0;
  for (const { segment } of segmenter.segment(text)) {
    const b = Buffer.byteLength(segment);
    if (bytes + b > maxBytes) break;
    bytes += b;
    end += segment.length;
  }
  if (end > 0) return end;
  // One grapheme longer than the limit (a very long combining sequence): cut between code points.
  for (const ch of text) {
    const b = Buffer.byteLength(ch);
    if (bytes + b > maxBytes) break;
    bytes += b;
    end += ch.length;
  }
  return Math.max(end, String.fromCodePoint(text.codePointAt(0)!).length);
}

function cutPoint(window: string): number {
  const floor = Math.floor(window.length * 0.3);
  const para = window.lastIndexOf('\n\n');
  if (para >= window.length / 2) return para + 2;
  const line = window.lastIndexOf('\n');
  if (line >= floor) return line + 1;
  for (let i = window.length - 1; i >= floor; i--) if (SENTENCE_END.test(window[i]!)) return i + 1;
  const space = window.lastIndexOf(' ');
  if (space >= floor) return space + 1;
  return window.length;
}
