// A command the running service answers reads only the data folder and the zone; anything else
// unusual goes to the full settings check, which words its errors.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { removeServiceAddress, writeServiceAddress } from '../../../src/app/data-lock.js';
import { runningServiceConfig } from '../../../src/cli/quick-config.js';

describe('the settings of a command the running service answers', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'gl-quick-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('names the folder and the zone when a service runs there, whatever the service’s own settings say', () => {
    // This process stands for the service: its address file names a live process.
    writeServiceAddress(dir, 'http://127.0.0.1:1', 'token');
    const env = { GRIDLINE_DATA_DIR: dir, HTTP_PORT: 'not-a-port', TELEGRAM_BOT_TOKEN: 'wrong', DATABASE_URL: '' };
    expect(runningServiceConfig(env, '/')).toEqual({ store: { kind: 'pglite', dataDir: path.join(dir, 'pglite') }, dataDir: dir, dataDirSource: 'env', defaultTimezone: 'Asia/Shanghai' });
    expect(runningServiceConfig({ ...env, DEFAULT_TIMEZONE: 'Europe/Berlin', DEFAULT_LOCALE: 'en' }, '/')?.defaultTimezone).toBe('Europe/Berlin');
  });

  it('leaves the decision to the full check for a database, a zone or locale not known, or no service', () => {
    writeServiceAddress(dir, 'http://127.0.0.1:1', 'token');
    const env = { GRIDLINE_DATA_DIR: dir };
    expect(runningServiceConfig({ ...env, DATABASE_URL: 'postgres://x/y' }, '/')).toBeNull();
    expect(runningServiceConfig({ ...env, DEFAULT_TIMEZONE: 'Mars/Olympus' }, '/')).toBeNull();
    expect(runningServiceConfig({ ...env, DEFAULT_LOCALE: 'fr' }, '/')).toBeNull();
    removeServiceAddress(dir);
    expect(runningServiceConfig(env, '/')).toBeNull();
  });
});
