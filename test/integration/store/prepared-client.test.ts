// Drizzle's statements on Postgres run prepared (src/store/prepared-client.ts): parsed once per
// connection, then bound and run in one round trip. Checked on the server: within one connection,
// a statement with parameters run twice is one entry in pg_prepared_statements; the wrapper stops
// preparing new texts past its bound, and a statement without parameters is never prepared.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import postgres from 'postgres';
import { drizzle } from 'drizzle-orm/postgres-js';
import { openTestStore, createTestDatabase, type TestStore } from '../../support/store.js';
import { people } from '../../../src/store/schema.js';
import { queryRows } from '../../../src/store/raw.js';
import { preparingClient } from '../../../src/store/prepared-client.js';

const PREPARED = sql`select statement from pg_prepared_statements`;

describe('statements run prepared on Postgres', () => {
  let store: TestStore;
  beforeAll(async () => {
    store = await openTestStore('postgres');
  });
  afterAll(async () => {
    await store?.close();
  });

  it('a query built by Drizzle is prepared once on its connection and reused, inside a transaction too', async () => {
    const found = await store.db.transaction(async (tx) => {
      for (const code of ['a', 'b', 'c']) await tx.select({ id: people.id }).from(people).where(eq(people.code, code));
      return queryRows<{ statement: string }>(tx, PREPARED);
    });
    const selects = found.filter((r) => r.statement.includes('from "gridline"."people"'));
    expect(selects).toHaveLength(1);
  });

  it('prepares no more than its bound of texts; later texts still run, unprepared', async () => {
    const { url, drop } = await createTestDatabase();
    const client = postgres(url, { max: 1, onnotice: () => {} });
    const db = drizzle({ client: preparingClient(client, 2) });
    try {
      const values: number[] = [];
      for (let n = 1; n <= 4; n++) {
        const list = Array.from({ length: n }, (_, i) => sql`${i}::int`);
        const rows = await db.execute<{ n: number }>(sql`select ${n}::int as n where 1 in (${sql.join(list, sql`, `)}) or true`);
        values.push(Number(rows[0]!.n));
      }
      expect(values).toEqual([1, 2, 3, 4]);
      const prepared = await db.execute<{ statement: string }>(sql`select statement from pg_prepared_statements where statement like ${'select $1::int as n%'}`);
      expect(prepared).toHaveLength(2);
      await db.execute(sql`select 1 as plain`);
      const plain = await db.execute(sql`select statement from pg_prepared_statements where statement = 'select 1 as plain'`);
      expect(plain).toHaveLength(0);
    } finally {
      await client.end();
      await drop();
    }
  });
});
