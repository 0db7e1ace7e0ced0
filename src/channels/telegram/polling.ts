// Long polling, for a bot without a public address. The offset moves past an update only once
// it is queued, so an update is never dropped while the queue is away.
import type { Telegram } from 'telegraf';
import type { Update } from 'telegraf/types';
import type { Logger } from '../../logger.js';

export interface PollerOptions {
  /** Seconds Telegram holds a getUpdates open (default 30). */
  timeoutSec?: number;
  allowedUpdates: readonly string[];
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });

export class Poller {
  private readonly abort = new AbortController();
  private running: Promise<void> | null = null;

  constructor(
    private readonly telegram: Telegram,
    private readonly receive: (update: Update) => Promise<unknown>,
    private readonly logger: Logger,
    private readonly opts: PollerOptions,
  ) {}

  start(): void {
    this.running ??= this.loop();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
  }

  private async loop(): Promise<void> {
    const signal = this.abort.signal;
    let offset = 0;
    let backoff = 500;
    while (!signal.aborted) {
      let updates: Update[];
      try {
        updates = (await this.telegram.callApi(
          'getUpdates',
          { timeout: this.opts.timeoutSec ?? 30, limit: 100, offset, allowed_updates: this.opts.allowedUpdates as never },
          { signal: signal as never },
        )) as Update[];
        backoff = 500;
      } catch (err) {
        if (signal.aborted) break;
        this.logger.warn({ err: { name: (err as Error).name, message: (err as Error).message } }, 'telegram getUpdates failed; retrying');
        await sleep(backoff, signal);
        backoff = Math.min(backoff * 2, 30_000);
        continue;
      }
      for (const update of updates) {
        try {
          await this.receive(update);
        } catch (err) {
          this.logger.warn({ err: { message: (err as Error).message }, updateId: update.update_id }, 'telegram update not queued; polling it again');
          await sleep(backoff, signal);
          backoff = Math.min(backoff * 2, 30_000);
          break;
        }
        offset = update.update_id + 1;
      }
    }
  }
}
