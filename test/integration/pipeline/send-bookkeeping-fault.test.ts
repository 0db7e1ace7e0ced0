// A message the platform accepted is never sent again because what is written after it failed
// (issue 15 #14: the `message_links` insert after a send hit a connection timeout during a
// Postgres restart, the job failed, and the sent row was put back to 'pending'). Here the database
// drops the connection exactly at that bookkeeping statement: the officer's channel, once it has
// accepted the card, arms a trigger that terminates the backend running the next link insert; on
// Slack, the connection keeping the card just posted is dropped the same way.
import { eq } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ChatTarget, OutboundMessage } from '../../../src/ports/channel.js';
import { intake } from '../../../src/services/intake-service.js';
import { deliveries, messageLinks } from '../../../src/store/schema.js';
import { newOfficer, newTree, newVillager, type Tree } from '../../support/factories.js';
import { waitIdle } from '../../support/idle.js';
import { RecordingChannel } from '../../support/recording-channel.js';
import { openTestRuntime, type TestRuntime } from '../../support/runtime.js';
import { openTestStore, type TestStore } from '../../support/store.js';
import { waitFor } from '../../support/wait.js';
import { FakeSlackApi } from '../../support/slack/fake-slack-api.js';
import { cardsOf, linkSlack, startSlackHarness } from '../../support/slack/slack-harness.js';

/** The next insert into `table` (one only) loses its connection, as if Postgres went away under it. */
const faultSql = (table: string) => `
  create sequence if not exists gridline.fault_shots;
  create or replace function gridline.drop_link_connection() returns trigger language plpgsql as $$
  begin
    if nextval('gridline.fault_shots') = 1 then
      perform pg_terminate_backend(pg_backend_pid());
    end if;
    return new;
  end $$;
  create trigger drop_link_connection before insert on gridline.${table}
    for each row execute function gridline.drop_link_connection();
`;
const FAULT_SQL = faultSql('message_links');

/** Telegram, as the officer's platform: it accepts the card, then the database drops the sender's next statement's connection. */
class DroppingChannel extends RecordingChannel {
  armed = false;
  constructor(private readonly admin: postgres.Sql) {
    super('telegram');
  }
  override async deliver(to: ChatTarget, message: OutboundMessage): Promise<{ messageRef?: string }> {
    const out = await super.deliver(to, message);
    if (to.userId === '2002' && !this.armed) {
      this.armed = true;
      await this.admin.unsafe(FAULT_SQL);
    }
    return out;
  }
}

describe('Postgres dropped between a send and its bookkeeping', () => {
  let store: TestStore;
  let admin: postgres.Sql;
  let runtime: TestRuntime;
  let tree: Tree;

  beforeAll(async () => {
    store = await openTestStore('postgres');
    admin = postgres(store.url!, { max: 1, onnotice: () => {} });
  });
  afterAll(async () => {
    await admin?.end();
    await store?.close();
  });
  beforeEach(async () => {
    await admin.unsafe(
      'drop trigger if exists drop_link_connection on gridline.message_links; drop trigger if exists drop_link_connection on gridline.slack_cards; drop sequence if exists gridline.fault_shots',
    );
    await store.reset();
    tree = await newTree(store.db);
  });
  afterEach(async () => {
    await runtime?.close();
  });

  for (const kind of ['redis', 'postgres'] as const) {
    it(`delivers the officer's card exactly once (queues on ${kind})`, async () => {
      const telegram = new DroppingChannel(admin);
      runtime = await openTestRuntime(store, kind, { channels: new Map([['telegram', telegram]]) });
      runtime.startWorkers({ concurrency: 2 });
      await newOfficer(store.db, tree.unit, '李冬梅', { telegram: '2002' });
      await newVillager(store.db, tree.unit, '罗秀英', { telegram: '1001' });
      const r = await intake(runtime.ctx, { eventId: `bk:${kind}`, platform: 'telegram', externalUserId: '1001', kind: 'report', category: 'help', text: '村道塌了一段，车过不去', receivedAt: runtime.ctx.now().toISOString() });
      if (r.status !== 'created') throw new Error(r.status);

      await waitFor(() => telegram.to('2002').length, 'the card sent to the officer');
      // The connection really dropped under the bookkeeping insert.
      await waitFor(async () => Number((await admin`select last_value, is_called from gridline.fault_shots`)[0]?.is_called), 'the fault fired');
      await waitIdle(runtime);

      const cards = telegram.to('2002');
      expect(cards, cards.join(' | ')).toHaveLength(1);
      expect(cards[0]).toContain(r.matter.ref);
      const [card] = await store.db.select().from(deliveries).where(eq(deliveries.template, 'assigned'));
      expect(card!.status).toBe('sent');
      // The bookkeeping was tried again once the connection was back: a reply to the card still finds its matter.
      expect(await store.db.select().from(messageLinks).where(eq(messageLinks.deliveryId, card!.id))).toHaveLength(1);
      // The villager's receipt went once too.
      expect(telegram.to('1001').filter((t) => t.includes(`受理编号 ${r.matter.ref}`))).toHaveLength(1);
    }, 60_000);
  }

  it("posts the officer's Slack card exactly once when keeping the card loses its connection", async () => {
    const api = await FakeSlackApi.start();
    const h = await startSlackHarness(store, api);
    try {
      const officer = await newOfficer(store.db, tree.unit, '李冬梅');
      await linkSlack(store.db, officer.id, 'U0OFFICER1');
      await newVillager(store.db, tree.unit, '罗秀英', { telegram: '1001' });
      // Slack takes the card; the database drops the connection that keeps it.
      await admin.unsafe(faultSql('slack_cards'));
      const r = await intake(h.runtime.ctx, { eventId: 'bk:slack', platform: 'telegram', externalUserId: '1001', kind: 'report', category: 'help', text: '村道塌了一段，车过不去', receivedAt: h.runtime.ctx.now().toISOString() });
      if (r.status !== 'created') throw new Error(r.status);
      await h.waitCall('chat.postMessage', (c) => c.args.channel === 'U0OFFICER1' && FakeSlackApi.textOf(c).includes(r.matter.ref), 'the card in the officer DM');
      await waitFor(async () => Number((await admin`select is_called from gridline.fault_shots`)[0]?.is_called), 'the fault fired');
      await h.idle();
      const posts = api.called('chat.postMessage').filter((c) => c.args.channel === 'U0OFFICER1' && FakeSlackApi.textOf(c).includes(r.matter.ref));
      expect(posts).toHaveLength(1);
      // Kept once the connection was back, so the card is still redrawn in place.
      expect(await cardsOf(store.db, r.matter.id)).toHaveLength(1);
    } finally {
      await h.close();
      await api.stop();
    }
  }, 60_000);
});
