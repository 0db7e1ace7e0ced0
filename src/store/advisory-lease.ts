// A lease as a Postgres session advisory lock on a connection of its own: held while the
// connection lives, so a process that dies (or loses the database) frees it at once. It has the
// shape of the channels' Lease without importing it: the store depends on no channel code.
import postgres from 'postgres';
import { RECONNECT } from './db.js';

export class AdvisoryLease {
  private sql: postgres.Sql | null = null;
  readonly renewEveryMs = 5000;

  constructor(
    private readonly url: string,
    private readonly name: string,
  ) {}

  async acquire(): Promise<boolean> {
    this.sql ??= postgres(this.url, { max: 1, onnotice: () => {}, ...RECONNECT, idle_timeout: 0 });
    try {
      const [row] = await this.sql<Array<{ held: boolean }>>`select pg_try_advisory_lock(hashtext(${this.name})) as held`;
      return Boolean(row?.held);
    } catch {
      await this.drop();
      return false;
    }
  }

  /** The lock lives as long as the session: a session that still answers still holds it. */
  async renew(): Promise<boolean> {
    if (!this.sql) return false;
    try {
      const [row] = await this.sql<Array<{ held: boolean }>>`select exists (select 1 from pg_locks where locktype = 'advisory' and pid = pg_backend_pid() and granted) as held`;
      return Boolean(row?.held);
    } catch {
      await this.drop();
      return false;
    }
  }

  async release(): Promise<void> {
    await this.drop();
  }

  private async drop(): Promise<void> {
    const sql = this.sql;
    this.sql = null;
    await sql?.end({ timeout: 2 }).catch(() => {});
  }
}
