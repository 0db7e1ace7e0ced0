// A lease one process holds at a time across every process of a deployment (long polling a bot:
// Telegram hands each update to one getUpdates only, and two pollers fight over the offset).
// Kept in Redis with a heartbeat (src/queue/redis-lease.ts), or as a Postgres session lock
// (src/store/advisory-lease.ts); the embedded default runs one process and needs none.

export interface Lease {
  /** Takes the lease when it is free; true when this process holds it. */
  acquire(): Promise<boolean>;
  /** Keeps it a while longer; false when it was lost (expired, or its connection dropped). */
  renew(): Promise<boolean>;
  /** Gives it up, so another process may take it at once. */
  release(): Promise<void>;
  /** How often to renew, in ms. */
  readonly renewEveryMs: number;
}
