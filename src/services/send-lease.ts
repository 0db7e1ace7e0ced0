// A claim on a message to send is a lease: a sender marks it "sending" just before the platform
// call and records the result right after. A sender that dies mid-send leaves the claim to run
// out, and then any job (the reconciler's) may take it again. So a message goes out twice only
// when a process died between sending it and recording it. Longer than any one send may take
// (Telegram's slot wait plus the call, Slack's call with its retries).
// The default; SEND_LEASE_SECONDS sets it (ServiceContext.sendLeaseMs).
export const SEND_LEASE_MS = 30_000;

/** The moment before which a claim has run out. */
export function leaseExpiredBefore(now: Date, leaseMs: number | undefined): Date {
  return new Date(now.getTime() - (leaseMs ?? SEND_LEASE_MS));
}

/** How long the bookkeeping after a send (which card is about which matter) waits for a database that went away. */
export const BOOKKEEPING_WAIT_MS = 10_000;

/**
 * Records what was just sent. The platform has the message: if the database is away this waits
 * for it (up to `forMs`) rather than failing the job, whose retry would send the message again.
 */
export async function recordSent<T>(record: () => Promise<T>, isTransient: (err: unknown) => boolean, forMs = 120_000): Promise<T> {
  const until = Date.now() + forMs;
  for (let wait = 100; ; wait = Math.min(wait * 2, 2000)) {
    try {
      return await record();
    } catch (err) {
      if (!isTransient(err) || Date.now() + wait > until) throw err;
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}
