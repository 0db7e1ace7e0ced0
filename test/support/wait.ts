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
