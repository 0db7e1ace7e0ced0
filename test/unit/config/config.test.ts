import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config/config.js';

describe('config', () => {
  it('defaults to the embedded store and the PostgreSQL queue backend', () => {
    const c = loadConfig({});
    expect(c.store.kind).toBe('pglite');
    expect(c.queue.kind).toBe('postgres');
    expect(c.telegram).toBeNull();
    expect(c.slack).toBeNull();
  });

  it('uses Postgres and Redis when their URLs are set', () => {
    const c = loadConfig({ DATABASE_URL: 'postgres://u:p@db:5432/g', REDIS_URL: 'redis://cache:6379' });
    expect(c.store).toEqual({ kind: 'postgres', url: 'postgres://u:p@db:5432/g' });
    expect(c.queue).toEqual({ kind: 'redis', url: 'redis://cache:6379' });
  });

  it('reports every bad variable at once', () => {
    let err: unknown;
    try {
      loadConfig({ DATABASE_URL: 'mysql://x', REDIS_URL: 'nope', HTTP_PORT: '99999', TELEGRAM_BOT_TOKEN: 'abc', SLACK_BOT_TOKEN: 'xoxb-1', DEFAULT_TIMEZONE: 'Mars/Base' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const vars = (err as ConfigError).problems.map((p) => p.variable).sort();
    expect(vars).toEqual(['DATABASE_URL', 'DEFAULT_TIMEZONE', 'HTTP_PORT', 'REDIS_URL', 'SLACK_SIGNING_SECRET', 'TELEGRAM_BOT_TOKEN']);
    expect((err as ConfigError).message).toContain('DATABASE_URL');
  });

  it('reads the WeCom settings together, and lists a partner missing or a bad AES key with the other bad variables', () => {
    const wecom = { WECOM_CORP_ID: 'ww0gridline0test01', WECOM_AGENT_ID: '1000002', WECOM_SECRET: 'app-secret-0001', WECOM_TOKEN: 'QDG6eK', WECOM_AES_KEY: 'gridlineWecomTestKey0123456789abcdefABCDEFG' };
    expect(loadConfig({}).wecom).toBeNull();
    expect(loadConfig({ ...wecom, WECOM_KF_ACCOUNT: 'wkABC123' }).wecom).toEqual({
      corpId: 'ww0gridline0test01',
      agentId: 1000002,
      secret: 'app-secret-0001',
      token: 'QDG6eK',
      encodingAESKey: wecom.WECOM_AES_KEY,
      kfAccount: 'wkABC123',
      licensedAccounts: 100,
    });
    let err: unknown;
    try {
      loadConfig({ WECOM_SECRET: 'app-secret-0001', WECOM_AES_KEY: 'short', HTTP_PORT: '99999' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const vars = (err as ConfigError).problems.map((p) => p.variable).sort();
    expect(vars).toEqual(['HTTP_PORT', 'WECOM_AES_KEY', 'WECOM_AGENT_ID', 'WECOM_CORP_ID', 'WECOM_TOKEN']);
    expect((err as ConfigError).message).toMatch(/WECOM_AES_KEY: must be the 43 characters/);
  });

  it('never skips the Slack signature check: a bot token needs a signing secret', () => {
    expect(() => loadConfig({ SLACK_BOT_TOKEN: 'xoxb-123' })).toThrow(/SLACK_SIGNING_SECRET/);
  });

  it('keeps the queues of each deployment apart on a shared Redis with QUEUE_PREFIX, and refuses it without Redis', () => {
    expect(loadConfig({ REDIS_URL: 'redis://cache:6379', QUEUE_PREFIX: 'county-a' }).queue).toEqual({ kind: 'redis', url: 'redis://cache:6379', prefix: 'county-a' });
    expect(() => loadConfig({ REDIS_URL: 'redis://cache:6379', QUEUE_PREFIX: 'a b' })).toThrow(/QUEUE_PREFIX/);
    expect(() => loadConfig({ QUEUE_PREFIX: 'county-a' })).toThrow(/QUEUE_PREFIX: applies to queues on Redis/);
  });

  it('reads the send lease and the inbox retention, with defaults, and refuses a lease shorter than one send', () => {
    expect(loadConfig({}).recovery).toEqual({ sendLeaseMs: 30_000, inboxRetentionDays: 30 });
    expect(loadConfig({ SEND_LEASE_SECONDS: '45', INBOX_RETENTION_DAYS: '7' }).recovery).toEqual({ sendLeaseMs: 45_000, inboxRetentionDays: 7 });
    let err: unknown;
    try {
      loadConfig({ SEND_LEASE_SECONDS: '3', INBOX_RETENTION_DAYS: '0' });
    } catch (e) {
      err = e;
    }
    expect((err as ConfigError).problems.map((p) => p.variable).sort()).toEqual(['INBOX_RETENTION_DAYS', 'SEND_LEASE_SECONDS']);
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', REDIS_URL: '' }).store.kind).toBe('pglite');
  });
});
