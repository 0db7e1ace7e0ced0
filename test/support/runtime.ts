// A runtime on a test store, with queues on Redis (unique prefix), on BullMQ's PostgreSQL backend
// over the test database, or on PGlite.
import { randomBytes } from 'node:crypto';
import { createLogger } from '../../src/logger.js';
import { createRuntime, type Runtime } from '../../src/app/runtime.js';
import type { ChannelPort } from '../../src/channels/channel-port.js';
import type { Platform } from '../../src/domain/types.js';
import { TEST_REDIS_URL, type TestStore } from './store.js';

export type QueueKind = 'redis' | 'postgres';
export const QUEUE_KINDS: QueueKind[] = (process.env.GRIDLINE_TEST_QUEUES?.split(',') as QueueKind[] | undefined) ?? ['redis', 'postgres'];

export const testLogger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

export function uniquePrefix(): string {
  return `gltest${randomBytes(4).toString('hex')}`;
}

export async function openTestRuntime(
  store: TestStore,
  kind: QueueKind,
  opts: { channels?: Map<Platform, ChannelPort>; prefix?: string; now?: () => Date } = {},
): Promise<Runtime> {
  return createRuntime({
    store,
    queue: kind === 'redis' ? { kind: 'redis', url: TEST_REDIS_URL, prefix: opts.prefix ?? uniquePrefix() } : { kind: 'postgres' },
    logger: testLogger,
    channels: opts.channels,
    now: opts.now,
    relayIntervalMs: 200,
  });
}
