// 催办: a villager may urge a matter once per reply period.

export type UrgeCheck = { ok: true } | { ok: false; retryAt: Date };

/** When the next urge is allowed after one at `lastUrgeAt`; null when never urged. */
export function nextUrgeAt(lastUrgeAt: Date | null, replyMinutes: number): Date | null {
  return lastUrgeAt ? new Date(lastUrgeAt.getTime() + replyMinutes * 60_000) : null;
}

/** Whether a villager may urge now; exactly at the end of the period they may. */
export function mayUrge(lastUrgeAt: Date | null, now: Date, replyMinutes: number): UrgeCheck {
  const retryAt = nextUrgeAt(lastUrgeAt, replyMinutes);
  return retryAt && retryAt > now ? { ok: false, retryAt } : { ok: true };
}
