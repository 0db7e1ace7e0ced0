// What every service is handed. The store's handle is named by the store itself (src/store/db.ts
// registers its type in `StoreRegister`), so this port knows no database and no SDK.
import type { Logger } from 'pino';

/** Filled in by the store through declaration merging: `{ db: Db }`. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface StoreRegister {}

/** The store's handle as the store registered it (unknown when no store is in the program). */
export type StoreHandle = StoreRegister extends { db: infer D } ? D : unknown;

/** What every service needs: the store, a clock the tests can move, a logger, and a way to
 * tell the outbox relay that new rows were committed. */
export interface ServiceContext {
  db: StoreHandle;
  now: () => Date;
  logger: Logger;
  /** Called after a commit that wrote outbox rows. */
  outboxWritten: () => void;
  /**
   * True when transactions have connections of their own (Postgres): a tick may then hold its
   * pages open until their second. Not on the embedded database, where an open transaction holds
   * up everything else.
   */
  concurrentTransactions?: boolean;
  /** How long a claim on a message being sent holds (default SEND_LEASE_MS, SEND_LEASE_SECONDS). */
  sendLeaseMs?: number;
}
