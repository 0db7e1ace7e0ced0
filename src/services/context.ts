import type { Logger } from '../logger.js';
import type { Db } from '../store/db.js';

/** What every service needs: the store, a clock the tests can move, a logger, and a way to
 * tell the outbox relay that new rows were committed. */
export interface ServiceContext {
  db: Db;
  now: () => Date;
  logger: Logger;
  /** Called after a commit that wrote outbox rows. */
  outboxWritten: () => void;
  /** How long a claim on a message being sent holds (default SEND_LEASE_MS, SEND_LEASE_SECONDS). */
  sendLeaseMs?: number;
}
