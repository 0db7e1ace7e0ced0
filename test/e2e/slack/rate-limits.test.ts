// Slack's limits: about one message a second per channel, and a 429 with Retry-After is waited out
// (the notify job is delayed that long) without losing the message.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webApi } from '@slack/bolt';
import { RetryAfterError } from '../../../src/channels/channel-port.js';
import { ChannelPacer, SlackApi } from '../../../src/channels/slack/slack-api.js';
import { intake } from '../../../src/services/intake-service.js';
import { newOfficer, newTree, newVillager } from '../../support/factories.js';
import { FakeSlackApi } from '../../support/slack/fake-slack-api.js';
import { linkSlack, startSlackHarness } from '../../support/slack/slack-harness.js';
import { openTestStore, type TestStore } from '../../support/store.js';

describe('Slack rate limits', () => {
  let api: FakeSlackApi;
  let store: TestStore;

  beforeAll(async () => {
    api = await FakeSlackApi.start();
    store = await openTestStore('postgres');
  });
  afterAll(async () => {
    await api?.stop();
    await store?.close();
  });

  const client = () => new webApi.WebClient('xoxb-test', { slackApiUrl: `${api.url}/api/`, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true });

  it('spaces posts to one channel a second apart, and other channels are not held up', async () => {
    api.reset();
    const slack = new SlackApi(client(), new ChannelPacer(1000, 5000));
    const t0 = Date.now();
    await Promise.all([slack.post({ channel: 'C1', text: 'a' }), slack.post({ channel: 'C1', text: 'b' }), slack.post({ channel: 'C2', text: 'c' })]);
    const at = (text: string) => api.called('chat.postMessage').find((c) => c.args.text === text)!.at - t0;
    expect(at('c')).toBeLessThan(500);
    // Measured where the stand-in receives them: the pacer starts them 1000 ms apart.
    expect(Math.abs(at('b') - at('a'))).toBeGreaterThanOrEqual(900);
  });

  it('hands a long wait back to the queue instead of sleeping through it', async () => {
    const slack = new SlackApi(client(), new ChannelPacer(1000, 1500));
    // Three at once: the third would wait two seconds.
    const [, , third] = await Promise.all(['1', '2', '3'].map((text) => slack.post({ channel: 'C3', text }).catch((e: unknown) => e)));
    expect(third).toBeInstanceOf(RetryAfterError);
    expect((third as RetryAfterError).retryAfterMs).toBeGreaterThan(1500);
  });

  it('turns a 429 into RetryAfterError with Slack’s Retry-After', async () => {
    api.reset();
    api.rateLimit('chat.postMessage', 7);
    const slack = new SlackApi(client(), new ChannelPacer(0));
    const err = await slack.post({ channel: 'C4', text: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryAfterError);
    expect((err as RetryAfterError).retryAfterMs).toBe(7000);
  });

  it('delivers a card that met a 429 once Retry-After has passed', async () => {
    await store.reset();
    api.reset();
    const h = await startSlackHarness(store, api);
    try {
      const tree = await newTree(store.db);
      const officer = await newOfficer(store.db, tree.unit, '李冬梅');
      await linkSlack(store.db, officer.id, 'U0OFFICER1');
      await newVillager(store.db, tree.unit, '罗秀英', { telegram: '1001' });
      api.rateLimit('chat.postMessage', 1);
      const r = await intake(h.runtime.ctx, { eventId: `telegram:update:rl${Date.now()}`, platform: 'telegram', externalUserId: '1001', kind: 'report', category: 'dispute', text: '水渠被堵了', receivedAt: new Date().toISOString() });
      if (r.status !== 'created') throw new Error(r.status);
      const card = await h.waitCall('chat.postMessage', (c) => c.args.channel === 'U0OFFICER1' && FakeSlackApi.textOf(c).includes(r.matter.ref) && c !== api.called('chat.postMessage')[0]);
      const first = api.called('chat.postMessage')[0]!;
      expect(first.args.channel).toBe('U0OFFICER1');
      expect(card.at - first.at).toBeGreaterThanOrEqual(900);
      expect(api.called('chat.postMessage').filter((c) => c.args.channel === 'U0OFFICER1')).toHaveLength(2);
    } finally {
      await h.close();
    }
  });
});
