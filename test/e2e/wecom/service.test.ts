// The service as an operator starts it: WECOM_* in the environment, the roster naming a staff
// member's WeCom UserID. A setting without its partners stops the start with every bad variable
// named; set together, the callback URL answers WeCom's check and people on both sides are answered.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, TEST_REDIS_URL } from '../../support/store.js';
import { uniquePrefix } from '../../support/runtime.js';
import { freePort } from '../../support/telegram/emulator.js';
import { waitFor } from '../../support/wait.js';
import { WecomCallbackClient } from '../../support/wecom/callback-client.js';
import { FakeWecom, TEST_CORP } from '../../support/wecom/fake-wecom.js';
import { AppMember, KfVillager } from '../../support/wecom/wecom-bot.js';

const run = promisify(execFile);
const BIN = path.resolve('bin/gridline.js');

const ROSTER = `grid:
  code: shuichuan
  name: 水川村
  level: village
  children:
    - { code: shuichuan-g03, name: 第三组, level: unit }
people:
  - code: p-li-dongmei
    name: 李冬梅
    wecom: LiDongMeiSvc
    roles: [{ role: officer_full, grid: shuichuan-g03 }]
`;

function baseEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (/^(DATABASE_URL|REDIS_URL|QUEUE_PREFIX|GRIDLINE_|HTTP_|TELEGRAM_|SLACK_|WECOM_)/.test(k)) delete env[k];
  return { ...env, GRIDLINE_FROM_SOURCE: '1', LOG_LEVEL: 'warn', ...extra };
}

describe('the service with WeCom', () => {
  let fake: FakeWecom;
  let db: { url: string; drop: () => Promise<void> };
  let dir: string;
  let service: ChildProcess | null = null;
  const output: string[] = [];
  let url = '';

  beforeAll(async () => {
    [fake, db] = await Promise.all([FakeWecom.start(), createTestDatabase()]);
    dir = mkdtempSync(path.join(tmpdir(), 'gl-wecom-'));
    writeFileSync(path.join(dir, 'roster.yaml'), ROSTER);
  });

  afterAll(async () => {
    service?.kill('SIGKILL');
    await fake?.stop();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses to start with a WeCom secret and no corp id, naming every missing partner', async () => {
    const err = await run('node', [BIN, 'serve'], { env: baseEnv({ WECOM_SECRET: 'app-secret-for-tests-0001', WECOM_AES_KEY: 'tooshort' }), timeout: 60_000 }).then(
      () => null,
      (e: { stderr?: string; code?: number }) => e,
    );
    expect(err?.code).not.toBe(0);
    for (const v of ['WECOM_CORP_ID', 'WECOM_AGENT_ID', 'WECOM_TOKEN', 'WECOM_AES_KEY']) expect(err?.stderr).toContain(v);
  }, 90_000);

  it('answers the URL check, a member in the app and a villager on WeChat', async () => {
    const port = await freePort();
    const child = spawn('node', [BIN, 'serve'], {
      env: baseEnv({
        DATABASE_URL: db.url,
        REDIS_URL: TEST_REDIS_URL,
        QUEUE_PREFIX: uniquePrefix(),
        HTTP_HOST: '127.0.0.1',
        HTTP_PORT: String(port),
        GRIDLINE_ROSTER: path.join(dir, 'roster.yaml'),
        WORKER_CONCURRENCY: '4',
        WECOM_CORP_ID: TEST_CORP.corpId,
        WECOM_AGENT_ID: String(TEST_CORP.agentId),
        WECOM_SECRET: TEST_CORP.secret,
        WECOM_TOKEN: TEST_CORP.token,
        WECOM_AES_KEY: TEST_CORP.encodingAESKey,
        WECOM_KF_SECRET: TEST_CORP.kfSecret,
        WECOM_KF_ACCOUNT: TEST_CORP.openKfId,
        WECOM_API_URL: fake.url,
        WECOM_LICENSED_ACCOUNTS: '1000',
      }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    service = child;
    child.stdout!.on('data', (d: Buffer) => output.push(d.toString()));
    child.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
    url = `http://127.0.0.1:${port}/wecom/callback`;
    const client = new WecomCallbackClient({ url });
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`the service exited: ${output.join('').slice(-2000)}`);
        return (await client.verifyUrl('ready-check').catch(() => null))?.status === 200;
      },
      () => `the service to answer WeCom's URL check (${output.join('').slice(-500)})`,
      90_000,
      250,
    );
    expect(await client.verifyUrl('echo-from-console')).toMatchObject({ status: 200, body: 'echo-from-console' });

    // The member named in the roster is staff: /mine lists their matters.
    const officer = new AppMember(fake, { client }, 'LiDongMeiSvc');
    await officer.say('/mine');
    await officer.waitFor('您手上', 30_000);

    // A villager writes to 微信客服: WeCom announces it to the callback URL, the service reads and answers.
    fake.callbackUrl = url;
    const v = new KfVillager(fake, 'wmService01');
    await v.say('你好');
    await v.waitFor('欢迎来到网格服务', 30_000);
    expect(fake.windowRefusals).toEqual([]);
    expect(output.join('')).not.toMatch(/uncaught|unhandled/i);
  }, 180_000);
});
