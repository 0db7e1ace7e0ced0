/** Polls `check` until it returns a truthy value; fails with `what` after `timeoutMs`. */
/** `what` may be a function, read when the wait fails (to say what was seen by then). */
export async function waitFor<T>(check: () => Promise<T> | T, what: string | (() => string), timeoutMs = 15_000, everyMs = 50): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${typeof what === 'function' ? what() : what}${last ? `: ${(last as Error).message}` : ''}`);
}

/**
 * Polls `check` like waitFor, but fails only after `quietMs` in which `progress` did not change: a
 * wait behind a paced backlog (messages going out one every few seconds) lasts while it moves.
 */
export async function waitWhileMoving<T>(check: () => Promise<T> | T, what: string | (() => string), progress: () => number, quietMs: number, everyMs = 50): Promise<NonNullable<T>> {
  let seen = progress();
  let quietSince = Date.now();
  let last: unknown;
  while (Date.now() - quietSince < quietMs) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    const now = progress();
    if (now !== seen) {
      seen = now;
      quietSince = Date.now();
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${typeof what === 'function' ? what() : what} (nothing new for ${quietMs} ms)${last ? `: ${(last as Error).message}` : ''}`);
}
