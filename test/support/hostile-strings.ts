// Text people send that a careless service chokes on, and what gridline must make of each: a
// clean matter (with exactly this text), or a polite answer. Run through every platform's path.
// Every visible text carries an ASCII probe: the test checks it never reached the logs.

export type HostileOutcome =
  /** Taken; the matter's words are exactly `text`. */
  | { kind: 'matter'; text: string }
  /** Nothing visible: the person is told so, nothing is filed. */
  | { kind: 'blank' }
  /** Longer than any step takes: the person is told the limit. */
  | { kind: 'too_long' };

export interface HostileString {
  name: string;
  raw: string;
  outcome: HostileOutcome;
  /** A piece of the text that must never appear in a log line. */
  probe: string;
}

const FAMILY = '👨‍👩‍👧‍👦';

export const HOSTILE_STRINGS: readonly HostileString[] = [
  { name: 'NUL', raw: '邻居在田边堆柴草\u0000说了不听 probe-nul', outcome: { kind: 'matter', text: '邻居在田边堆柴草说了不听 probe-nul' }, probe: 'probe-nul' },
  {
    name: 'C0 and C1 controls',
    raw: '村口路灯\u0007坏了\u001b[31m三天\u009b了\u0085 probe-ctl',
    outcome: { kind: 'matter', text: '村口路灯坏了[31m三天了 probe-ctl' },
    probe: 'probe-ctl',
  },
  { name: 'lone surrogates', raw: '水渠\uD83D堵了\uDE00 probe-sur', outcome: { kind: 'matter', text: '水渠堵了 probe-sur' }, probe: 'probe-sur' },
  {
    name: 'bidi overrides and isolates',
    raw: '\u202E已办结\u202C 请核实 \u2067probe-bidi\u2069\u200F',
    outcome: { kind: 'matter', text: '已办结 请核实 probe-bidi' },
    probe: 'probe-bidi',
  },
  { name: 'combining marks (NFC)', raw: 'cafe\u0301门口积水 probe-nfc', outcome: { kind: 'matter', text: 'café门口积水 probe-nfc' }, probe: 'probe-nfc' },
  { name: 'emoji ZWJ sequences', raw: `${FAMILY} 一家人的低保 👩🏽‍🌾 probe-zwj`, outcome: { kind: 'matter', text: `${FAMILY} 一家人的低保 👩🏽‍🌾 probe-zwj` }, probe: 'probe-zwj' },
  { name: 'CJK beyond the BMP', raw: '𠮷野家旁 鄰居在我家田邊堆柴草 probe-cjk', outcome: { kind: 'matter', text: '𠮷野家旁 鄰居在我家田邊堆柴草 probe-cjk' }, probe: 'probe-cjk' },
  { name: 'zero-width characters only', raw: '\u200B\u200C\u200D\u2060\uFEFF', outcome: { kind: 'blank' }, probe: '\u200B\u200C\u200D' },
  { name: 'combining marks and spaces only', raw: '\u0301\u0308 \u3000\u00A0', outcome: { kind: 'blank' }, probe: '\u0301\u0308' },
  { name: 'variation selectors only', raw: '\uFE0F\uFE0E\uFE0F', outcome: { kind: 'blank' }, probe: '\uFE0F\uFE0E' },
  { name: '100 KB of text', raw: `${'村'.repeat(34_000)} probe-long`, outcome: { kind: 'too_long' }, probe: '村村村村村村村村' },
];

/** Log lines that mention what a person wrote, or that show the service failing. */
export function badLogLines(lines: readonly string[], cases: readonly HostileString[] = HOSTILE_STRINGS): string[] {
  return lines.filter((line) => {
    if (cases.some((c) => line.includes(c.probe))) return true;
    if (line.includes('\\u0000')) return true;
    const entry = JSON.parse(line) as { level?: number; msg?: string };
    return (entry.level ?? 0) >= 50 || /apologis/.test(entry.msg ?? '');
  });
}
