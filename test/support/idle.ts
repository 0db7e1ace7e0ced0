// "Nothing more was sent" without sleeping: wait until the runtime has no work in hand (outbox
// relayed, relay idle, every queue drained, no retry due soon), seen twice in a row with no job
// finishing in between, then assert.
import { runtimeActivity, type Activity, type ActivityOptions } from '../../src/app/activity.js';
import type { Runtime } from '../../src/app/runtime.js';

export interface WaitIdleOptions extends ActivityOptions {
  /** Give up after this long (default 20 s). */
  timeoutMs?: number;
}

/** Resolves once the runtime is idle; fails, saying what was still pending, after `timeoutMs`. */
export async function waitIdle(runtime: Pick<Runtime, 'queues' | 'relay' | 'store' | 'ctx'>, opts: WaitIdleOptions = {}): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
  let previous: Activity | null = null;
  let last: Activity | null = null;
  let error: Error | null = null;
  while (Date.now() < deadline) {
    try {
      last = await runtimeActivity(runtime, opts);
      error = null;
      if (last.pending === 0 && previous?.pending === 0 && previous.finished === last.finished) return;
      previous = last;
    } catch (err) {
      // A queue connection still coming back (Redis restarted): not known to be idle; look again.
      error = err as Error;
      previous = null;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the runtime did not go idle: ${error ? error.message : JSON.stringify(last?.detail)}`);
}
