import { describe, it, expect } from 'vitest';
import { formatRef, luhnCheckDigit, parseRef, refSeq } from '../../../src/domain/reference.js';

function isLuhnValid(digits: string): boolean {
  return luhnCheckDigit(digits.slice(0, -1)) === Number(digits.slice(-1));
}

describe('luhnCheckDigit', () => {
  it('matches known Luhn values', () => {
    expect(luhnCheckDigit('7992739871')).toBe(3);
    expect(luhnCheckDigit('0000001')).toBe(8);
    expect(luhnCheckDigit('0000000')).toBe(0);
  });
});

describe('formatRef', () => {
  it('pads to 7 digits, appends the Luhn digit and groups 4-4', () => {
    expect(formatRef(1)).toBe('0000-0018');
    expect(formatRef(1234567)).toBe('1234-5674');
    expect(formatRef(9_999_999)).toMatch(/^\d{4}-\d{4}$/);
  });

  it('lets longer sequences widen the first group', () => {
    const ref = formatRef(12_345_678);
    expect(ref).toMatch(/^\d{5}-\d{4}$/);
    expect(ref.replace('-', '').slice(0, 8)).toBe('12345678');
  });

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53])('rejects %s with a RangeError', (seq) => {
    expect(() => formatRef(seq)).toThrow(RangeError);
  });

  it('always produces a reference parseRef reads back to itself', () => {
    for (const seq of [1, 9, 10, 99, 12_345, 9_999_999, 10_000_000, 123_456_789]) {
      const ref = formatRef(seq);
      expect(parseRef(ref)).toBe(ref);
      expect(refSeq(ref)).toBe(seq);
    }
  });
});

describe('parseRef', () => {
  const ref = formatRef(4_210_735);
  const digits = ref.replace('-', '');

  it.each([
    digits,
    ref,
    `  ${ref}  `,
    `${digits.slice(0, 2)} ${digits.slice(2, 5)} ${digits.slice(5)}`,
    `#${ref}`,
    `# ${digits}`,
    `No.${ref}`,
    `no ${ref}`,
    `NO: ${ref}`,
    `＃${ref}`,
    ref.replace('-', '—'),
    ref.replace('-', '－'),
    ref.replace('-', '\u3000'),
  ])('accepts %j', (input) => {
    expect(parseRef(input)).toBe(ref);
  });

  it('accepts full-width digits', () => {
    const fullWidth = [...ref].map((c) => (c >= '0' && c <= '9' ? String.fromCharCode(c.charCodeAt(0) + 0xfee0) : c)).join('');
    expect(fullWidth).not.toBe(ref);
    expect(parseRef(fullWidth)).toBe(ref);
    expect(parseRef(`Ｎｏ．${fullWidth}`)).toBe(ref);
  });

  it.each(['', '#', 'abc', '1234-56', '0000-001', '0000-0018x', '00-00-00-18a', '0000-0000', '0-0000-0018', '1.2345674'])(
    'rejects malformed %j',
    (input) => {
      expect(parseRef(input)).toBeNull();
    },
  );

  it('catches every single-digit typo', () => {
    for (let i = 0; i < digits.length; i++) {
      for (let d = 0; d <= 9; d++) {
        if (String(d) === digits[i]) continue;
        const typo = digits.slice(0, i) + String(d) + digits.slice(i + 1);
        expect(parseRef(typo), typo).toBeNull();
      }
    }
  });

  it('catches adjacent swaps except the 09/90 pair Luhn cannot see', () => {
    let caught = 0;
    for (let seq = 1; seq < 200_000; seq += 7919) {
      const s = formatRef(seq).replace('-', '');
      for (let i = 0; i + 1 < s.length; i++) {
        const a = s[i]!;
        const b = s[i + 1]!;
        if (a === b) continue;
        const swapped = s.slice(0, i) + b + a + s.slice(i + 2);
        const blind = (a === '0' && b === '9') || (a === '9' && b === '0');
        expect(isLuhnValid(swapped), `${s} -> ${swapped}`).toBe(blind);
        if (!blind) caught++;
      }
    }
    expect(caught).toBeGreaterThan(50);
  });

  it('rejects a lone extra leading zero rather than guessing', () => {
    expect(parseRef(`0${formatRef(1).replace('-', '')}`)).toBeNull();
  });
});
