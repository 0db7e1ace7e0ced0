// Button data for an action on a matter: written by us, read back without trusting it.
import { describe, expect, it } from 'vitest';
import { actionData, formatRef, isRating, nodeActionData, parseActionData, parseNodeActionData, RATINGS } from '../../../src/domain/index.js';

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

describe('node buttons (查看清单)', () => {
  it('reads back what it wrote, and nothing forged or foreign', () => {
    const id = '5b7c1c7e-3c1a-4d2e-9f57-0d5b2f7a9c11';
    expect(nodeActionData('disputes', id)).toBe(`nx:disputes:${id}`);
    expect(nodeActionData('disputes', id).length).toBeLessThanOrEqual(64);
    expect(parseNodeActionData(nodeActionData('disputes', id))).toEqual({ action: 'disputes', nodeId: id });
    expect(parseNodeActionData(`nx:disputes:${id}x`)).toBeNull();
    expect(parseNodeActionData(`nx:disputes:${id.toUpperCase()}`)).toBeNull();
    expect(parseNodeActionData(`mx:disputes:${id}`)).toBeNull();
    expect(parseNodeActionData('nx:disputes:../../etc')).toBeNull();
    expect(parseNodeActionData('x'.repeat(500))).toBeNull();
  });
});
