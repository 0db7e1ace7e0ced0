import { describe, expect, it } from 'vitest';
import { wantsPretty } from '../../src/logger.js';

describe('wantsPretty', () => {
  it('writes readable lines to a terminal and in development, JSON to other pipes and in production', () => {
    expect(wantsPretty('auto', { isTTY: true, nodeEnv: 'development' })).toBe(true);
    expect(wantsPretty('auto', { isTTY: true, nodeEnv: undefined })).toBe(true);
    expect(wantsPretty('auto', { isTTY: false, nodeEnv: 'development' })).toBe(true);
    expect(wantsPretty('auto', { isTTY: false, nodeEnv: undefined })).toBe(false);
    expect(wantsPretty('auto', { isTTY: true, nodeEnv: 'production' })).toBe(false);
  });
  it('follows LOG_FORMAT when it is set', () => {
    expect(wantsPretty('json', { isTTY: true, nodeEnv: 'development' })).toBe(false);
    expect(wantsPretty('pretty', { isTTY: false, nodeEnv: 'production' })).toBe(true);
  });
});
