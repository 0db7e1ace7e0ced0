// Telegram refuses a message over 4096 characters. Longer texts go as several messages, cut where
// a reader would pause: between paragraphs, then lines, then sentences, then words.
export const TELEGRAM_TEXT_LIMIT = 4096;

const SENTENCE_END = /[。！？!?；;…](?=[^。！？!?；;…]*$)/u;

/** Splits `text` into parts of at most `limit` UTF-16 units (Telegram's count); never mid-character. */
export function splitText(text: string, limit = TELEGRAM_TEXT_LIMIT): string[] {
  const parts: string[] = [];
  let rest = text;
  while (rest.length > limit) {
    const window = rest.slice(0, limit);
    const cut = cutPoint(window, limit);
    const part = rest.slice(0, cut).trimEnd();
    if (part) parts.push(part);
    rest = rest.slice(cut).replace(/^\s+/, '');
  }
  if (rest.trim() || !parts.length) parts.push(rest);
  return parts;
}

function cutPoint(window: string, limit: number): number {
  const floor = Math.floor(limit * 0.3);
  const para = window.lastIndexOf('\n\n');
  if (para >= limit / 2) return para + 2;
  const line = window.lastIndexOf('\n');
  if (line >= floor) return line + 1;
  const sentence = window.search(SENTENCE_END);
  if (sentence >= floor) return sentence + 1;
  const space = window.lastIndexOf(' ');
  if (space >= floor) return space + 1;
  // A hard cut, but never between the two halves of a surrogate pair.
  const code = window.charCodeAt(limit - 1);
  return code >= 0xd800 && code <= 0xdbff ? limit - 1 : limit;
}
