// Button data for an action on a matter: written by us, read back without trusting it.
import { describe, expect, it } from 'vitest';
import { actionData, formatRef, isRating, parseActionData, RATINGS } from '../../../src/domain/index.js';

const ref = formatRef(18);

describe('action button data', () => {
  it('reads back what it wrote, with and without an argument', () => {
    expect(parseActionData(actionData('take', ref))).toEqual({ action: 'take', ref, arg: undefined });
    expect(parseActionData(actionData('sign_off', ref, 'water-bureau'))).toEqual({ action: 'sign_off', ref, arg: 'water-bureau' });
  });

  it('fits Telegram\'s 64 bytes for the longest action and argument', () => {
    expect(Buffer.byteLength(actionData('rate_department', formatRef(999_999_999), 'a'.repeat(30)))).toBeLessThanOrEqual(64);
  });

  it('refuses a forged reference, a foreign prefix, an odd argument and a long string', () => {
    expect(parseActionData(`mx:take:${ref.slice(0, -1)}${(Number(ref.slice(-1)) + 1) % 10}`)).toBeNull();
    expect(parseActionData(`zz:take:${ref}`)).toBeNull();
    expect(parseActionData(`mx:take:${ref}:DROP`)).toBeNull();
    expect(parseActionData(`mx:take:${ref}:a b`)).toBeNull();
    expect(parseActionData(`mx:TAKE:${ref}`)).toBeNull();
    expect(parseActionData('x'.repeat(500))).toBeNull();
  });
});

describe('ratings', () => {
  it('knows the three ratings and nothing else', () => {
    expect(RATINGS).toEqual(['satisfied', 'basically_satisfied', 'unsatisfied']);
    expect(isRating('unsatisfied')).toBe(true);
    expect(isRating('very_unsatisfied')).toBe(false);
    expect(isRating(undefined)).toBe(false);
  });
});
