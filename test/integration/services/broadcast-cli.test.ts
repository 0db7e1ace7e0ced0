// `gridline broadcast` and `gridline broadcasts`: the administrator counts first (--dry-run sends
// nothing), sends to a grid's villagers now or at a time in the grid's zone (the service releases
// it then), and lists the notices with their counts. The real command line prints in words.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OpError, runOp } from '../../../src/app/ops.js';
import type { Platform } from '../../../src/domain/types.js';
import type { Channel } from '../../../src/ports/channel.js';
import { broadcasts, deliveries } from '../../../src/store/schema.js';
import { newOfficer, newPerson, newTree, newVillager, type Tree } from '../../support/factories.js';
import { RecordingChannel } from '../../support/recording-channel.js';
import { openTestRuntime, type TestRuntime } from '../../support/runtime.js';
import { openTestStore, type TestStore } from '../../support/store.js';
import { waitFor } from '../../support/wait.js';

const run = promisify(execFile);

describe('broadcasts from the command line', () => {
  let store: TestStore;
  let runtime: TestRuntime;
  let channel: RecordingChannel;
  let tree: Tree;

  beforeEach(async () => {
    store = await openTestStore('postgres');
    tree = await newTree(store.db);
    await newVillager(store.db, tree.unit, '王秀英', { telegram: '2001' });
    await newVillager(store.db, tree.otherUnit, '罗秀英', { telegram: '2002' });
    await newOfficer(store.db, tree.unit, '李冬梅', { telegram: '2003' });
    await newPerson(store.db, { name: 'Anna Schmidt', role: 'villager', at: tree.otherUnit, telegram: '2004', locale: 'en' });
    channel = new RecordingChannel('telegram');
    runtime = await openTestRuntime(store, 'redis', { channels: new Map<Platform, Channel>([['telegram', channel]]) });
    runtime.startWorkers({ concurrency: 2 });
  });
  afterEach(async () => {
    await runtime?.close();
    await store?.close();
  });

  it('counts without sending, sends now, sends at a time in the grid’s zone, and lists them', async () => {
    const dry = await runOp(runtime.ctx, 'broadcast', { grid: tree.village.code, text: '国庆节快乐！', to: 'residents', dryRun: true });
    expect(dry).toMatchObject({ recipients: 3, dryRun: true, id: null });
    expect(await store.db.select().from(broadcasts)).toHaveLength(0);
    expect(await runOp(runtime.ctx, 'broadcast', { grid: tree.village.code, text: '国庆节快乐！', lang: 'en', dryRun: true })).toMatchObject({ recipients: 1 });

    // Now, to everyone under the village (the officer too), in each reader's language where given.
    const now = (await runOp(runtime.ctx, 'broadcast', { grid: tree.village.code, text: '国庆节快乐！', texts: { en: 'Happy National Day!' } })) as { id: string; recipients: number };
    expect(now.recipients).toBe(4);
    await waitFor(() => channel.sent.filter((s) => s.message.text.includes('国庆节快乐')).length === 3, 'three copies in Chinese sent');
    await waitFor(() => channel.to('2004').find((t) => t.includes('Happy National Day!')), 'the English version to Anna');
    expect(channel.to('2004')[0]).toContain('Notice from the village');

    // At a time a few seconds ahead on the runtime's clock, in Shanghai (the grid's zone).
    const clock = runtime.clock!;
    const at = new Date(clock.now().getTime() + 4000);
    const wall = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }).format(at);
    // The minute it falls in: at most a minute ahead; the clock is moved to just before it.
    clock.set(new Date(new Date(`${wall.replace(' ', 'T')}:00+08:00`).getTime() - 3000));
    const later = (await runOp(runtime.ctx, 'broadcast', { grid: tree.unit.code, text: '明天上午九点在第三组晒场开会。', at: wall, to: 'residents' })) as { id: string; scheduledAt: string };
    expect(later.scheduledAt).toBe(new Date(`${wall.replace(' ', 'T')}:00+08:00`).toISOString());
    const [scheduled] = await store.db.select().from(broadcasts).where(eq(broadcasts.id, later.id));
    expect(scheduled!.status).toBe('scheduled');
    expect(await store.db.select().from(deliveries).where(eq(deliveries.broadcastId, later.id))).toHaveLength(0);
    await waitFor(() => channel.to('2001').some((t) => t.includes('晒场开会')), 'the scheduled notice sent at its time', 20_000);
    expect(channel.to('2002').some((t) => t.includes('晒场开会'))).toBe(false);

    // A time already past, or not a time, is refused in words.
    for (const bad of ['2020-01-01 08:00', '明天早上']) {
      const err = await runOp(runtime.ctx, 'broadcast', { grid: tree.unit.code, text: '测试', at: bad }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpError);
      expect((err as OpError).key).toMatch(/^cli:errors\.(past_time|bad_time)$/);
    }

    await waitFor(async () => ((await runOp(runtime.ctx, 'broadcasts', {})) as Array<{ status: string }>).every((b) => b.status === 'done'), 'both finished', 20_000);
    const list = (await runOp(runtime.ctx, 'broadcasts', {})) as Array<{ id: string; total: number; sent: number }>;
    expect(list.map((b) => [b.id, b.sent, b.total])).toEqual([
      [later.id, 1, 1],
      [now.id, 4, 4],
    ]);
  }, 60_000);

  it('writes a yearly 中秋 greeting whose first time is shown, and its scheduler is planned; --holiday with --at is refused', async () => {
    runtime.clock!.set('2026-12-06T10:00:00+08:00');
    const yearly = (await runOp(runtime.ctx, 'broadcast', { grid: tree.village.code, text: '中秋节快乐！', to: 'residents', holiday: 'mid_autumn' })) as { id: string; scheduledAt: string; holiday: string; status: string };
    expect(yearly).toMatchObject({ holiday: 'mid_autumn', status: 'yearly', scheduledAt: new Date('2027-09-15T08:00:00+08:00').toISOString() });
    const queue = runtime.queues!.queue('broadcast');
    const planned = await waitFor(async () => (await queue.getJobSchedulers()).find((s) => (s.id ?? s.key) === `yearly@${yearly.id}`), 'its scheduler planned');
    expect(planned.next).toBe(new Date('2027-09-15T08:00:00+08:00').getTime());
    const err = await runOp(runtime.ctx, 'broadcast', { grid: tree.village.code, text: '测试', holiday: 'mid_autumn', at: '2027-01-01 08:00' }).catch((e: unknown) => e);
    expect((err as OpError).key).toBe('cli:errors.holiday_and_at');
    const [row] = await store.db.select().from(broadcasts).where(eq(broadcasts.id, yearly.id));
    expect(row).toMatchObject({ status: 'yearly', holiday: 'mid_autumn', scheduledAt: null, authorId: null });
  }, 60_000);

  it('prints the count of a dry run in words through the real command line', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: store.url!, LOG_LEVEL: 'warn', GRIDLINE_LANG: 'zh-CN', GRIDLINE_FROM_SOURCE: '1' };
    for (const k of ['REDIS_URL', 'GRIDLINE_ROSTER', 'HTTP_PORT', 'GRIDLINE_DATA_DIR', 'TELEGRAM_BOT_TOKEN', 'SLACK_BOT_TOKEN']) delete env[k];
    const { stdout } = await run('node', [path.resolve('bin/gridline.js'), 'broadcast', '--grid', tree.village.code, '--text', '国庆节快乐！', '--to', 'residents', '--dry-run'], { env, timeout: 60_000 });
    expect(stdout).toContain(`试算：水川村（${tree.village.code}）共 3 人会收到，现在发送。没有发送。`);
    const { stdout: yearly } = await run('node', [path.resolve('bin/gridline.js'), 'broadcast', '--grid', tree.village.code, '--text', '新春快乐！', '--holiday', 'spring_festival', '--dry-run'], { env, timeout: 60_000 });
    expect(yearly).toMatch(new RegExp(`试算：水川村（${tree.village.code}）共 \\d+ 人会收到，每年春节早上 8 点发送，第一次是 .+。没有发送。`));
    expect(await store.db.select().from(broadcasts)).toHaveLength(0);
  }, 90_000);
});
