// Matter references a villager can read aloud: 7+ digit sequence and a Luhn check digit, "0000-0018".
// Luhn catches every single-digit typo and every adjacent swap except 09 <-> 90.

const SEQ_DIGITS = 7;

/** The Luhn check digit for a string of ASCII digits. */
export function luhnCheckDigit(digits: string): number {
  let sum = 0;
  // Doubling starts at the rightmost payload digit, since the check digit will follow it.
  for (let i = digits.length - 1, double = true; i >= 0; i--, double = !double) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

function group(digits: string): string {
  return `${digits.slice(0, -4)}-${digits.slice(-4)}`;
}

/** Formats a positive integer sequence as a reference; throws RangeError otherwise. */
export function formatRef(seq: number): string {
  if (!Number.isSafeInteger(seq) || seq < 1) {
    throw new RangeError(`A matter sequence must be a positive safe integer, got ${String(seq)}.`);
  }
  const body = String(seq).padStart(SEQ_DIGITS, '0');
  return group(body + String(luhnCheckDigit(body)));
}

const FULL_WIDTH_DIGIT = /[\uFF10-\uFF19]/g;
// What people put around or inside a reference: spaces (incl. full-width), dashes of every width.
const SEPARATORS = /[\s\u3000\-\u2010-\u2015\u2212\uFF0D_]/g;
const PREFIX = /^(?:[#\uFF03\u2116]|no\.?|ｎｏ[.．]?)/i;

function digitsOf(input: string): string | null {
  let s = input.replace(FULL_WIDTH_DIGIT, (c) => String(c.charCodeAt(0) - 0xff10)).trim();
  s = s.replace(SEPARATORS, '');
  s = s.replace(PREFIX, '').replace(/^[:：]/, '');
  if (!/^\d+$/.test(s) || s.length < SEQ_DIGITS + 1) return null;
  // A longer reference never starts with 0: an extra leading zero is a typo, not the same matter.
  if (s.length > SEQ_DIGITS + 1 && s.startsWith('0')) return null;
  const body = s.slice(0, -1);
  if (luhnCheckDigit(body) !== Number(s.slice(-1))) return null;
  const seq = Number(body);
  // formatRef never makes seq 0 or one beyond a safe integer.
  if (seq < 1 || !Number.isSafeInteger(seq)) return null;
  return s;
}

/** The canonical reference for what a person typed, or null if malformed or the check digit is wrong. */
export function parseRef(input: string): string | null {
  const digits = digitsOf(input);
  return digits === null ? null : group(digits);
}

/** The sequence number behind a reference as typed, or null (same rules as parseRef). */
export function refSeq(input: string): number | null {
  const digits = digitsOf(input);
  return digits === null ? null : Number(digits.slice(0, -1));
}
