// A runtime on a test store, with queues on Redis (unique prefix), on BullMQ's PostgreSQL backend
// over the test database, or on PGlite. Its clock is a TestClock at 10:00 on a Wednesday in
// Shanghai unless the test gives its own (`clock`, or a plain `now`).
import { randomBytes } from 'node:crypto';
import { createLogger } from '../../src/logger.js';
import { createRuntime, type Runtime } from '../../src/app/runtime.js';
import type { Channel as ChannelPort } from '../../src/ports/channel.js';
import type { Platform } from '../../src/domain/types.js';
import { daytimeClock, type TestClock } from './clock.js';
import { TEST_REDIS_URL, type TestStore } from './store.js';

export type QueueKind = 'redis' | 'postgres';
export const QUEUE_KINDS: QueueKind[] = (process.env.GRIDLINE_TEST_QUEUES?.split(',') as QueueKind[] | undefined) ?? ['redis', 'postgres'];

export const testLogger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

export function uniquePrefix(): string {
  return `gltest${randomBytes(4).toString('hex')}`;
}

export type TestRuntime = Runtime & {
  /** The runtime's clock; absent when the test passed a plain `now`. */
  clock?: TestClock;
};

export async function openTestRuntime(
  store: TestStore,
  kind: QueueKind,
  opts: { channels?: Map<Platform, ChannelPort>; prefix?: string; now?: () => Date; clock?: TestClock } = {},
): Promise<TestRuntime> {
  const clock = opts.now ? undefined : (opts.clock ?? daytimeClock());
  const runtime = await createRuntime({
    store,
    queue: kind === 'redis' ? { kind: 'redis', url: TEST_REDIS_URL, prefix: opts.prefix ?? uniquePrefix() } : { kind: 'postgres' },
    logger: testLogger,
    channels: opts.channels,
    now: opts.now ?? clock!.now,
    relayIntervalMs: 200,
  });
  return Object.assign(runtime, { clock });
}
