// Slack's limits: about one message a second per channel, and a 429 with Retry-After is waited out
// (the send job is delayed that long) without losing the message. The pacer's decisions are read
// on a fake clock (vitest's timers), never measured on the wall clock: under load a request can
// reach the stand-in late, and the gap between two arrivals says nothing about the pacer.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { webApi } from '@slack/bolt';
import { RetryAfterError } from '../../../src/ports/channel.js';
import { ChannelPacer, SlackApi } from '../../../src/channels/slack/slack-api.js';
import { intake } from '../../../src/services/intake-service.js';
import { newOfficer, newTree, newVillager } from '../../support/factories.js';
import { recordJobRuns, runsOfHeldJob } from '../../support/job-runs.js';
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

  afterEach(() => {
    vi.useRealTimers();
  });

  it('spaces posts to one channel a second apart, and other channels are not held up', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'] });
    const pacer = new ChannelPacer(1000, 5000);
    const at: Record<string, number> = {};
    const t0 = Date.now();
    const take = (channel: string, label: string) => pacer.slot(channel).then(() => (at[label] = Date.now() - t0));
    const all = Promise.all([take('C1', 'a'), take('C1', 'b'), take('C2', 'c'), take('C1', 'd')]);
    await vi.advanceTimersByTimeAsync(0);
    expect(at).toEqual({ a: 0, c: 0 });
    await vi.advanceTimersByTimeAsync(999);
    expect(at).toEqual({ a: 0, c: 0 });
    await vi.advanceTimersByTimeAsync(1);
    expect(at).toEqual({ a: 0, c: 0, b: 1000 });
    await vi.advanceTimersByTimeAsync(1000);
    await all;
    expect(at).toEqual({ a: 0, c: 0, b: 1000, d: 2000 });
  });

  it('posts through the pacer: every post reaches Slack, each channel in the order asked', async () => {
    api.reset();
    const slack = new SlackApi(client(), new ChannelPacer(1000, 5000));
    await Promise.all([slack.post({ channel: 'C1', text: 'a' }), slack.post({ channel: 'C1', text: 'b' }), slack.post({ channel: 'C2', text: 'c' })]);
    const texts = (channel: string) => api.called('chat.postMessage').filter((c) => c.args.channel === channel).map((c) => c.args.text);
    expect(texts('C1')).toEqual(['a', 'b']);
    expect(texts('C2')).toEqual(['c']);
  });

  it('hands a long wait back to the queue instead of sleeping through it', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'] });
    const pacer = new ChannelPacer(1000, 1500);
    // Three at once: the third would wait two seconds.
    const first = pacer.slot('C3');
    const second = pacer.slot('C3');
    const third = await pacer.slot('C3').catch((e: unknown) => e);
    expect(third).toBeInstanceOf(RetryAfterError);
    expect((third as RetryAfterError).retryAfterMs).toBe(2000);
    await vi.advanceTimersByTimeAsync(1000);
    await Promise.all([first, second]);
    // Slack's own Retry-After holds the channel too.
    pacer.hold('C4', 7000);
    expect(await pacer.slot('C4').catch((e: unknown) => e)).toMatchObject({ retryAfterMs: 7000 });
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
    const { runs, wrap } = recordJobRuns(['send']);
    const h = await startSlackHarness(store, api, { wrap });
    try {
      const tree = await newTree(store.db);
      const officer = await newOfficer(store.db, tree.unit, '李冬梅');
      await linkSlack(store.db, officer.id, 'U0OFFICER1');
      await newVillager(store.db, tree.unit, '罗秀英', { telegram: '1001' });
      api.rateLimit('chat.postMessage', 1);
      const r = await intake(h.runtime.ctx, { eventId: 'telegram:update:rl1', platform: 'telegram', externalUserId: '1001', kind: 'report', category: 'dispute', text: '水渠被堵了', receivedAt: h.clock!.now().toISOString() });
      if (r.status !== 'created') throw new Error(r.status);
      const card = await h.waitCall('chat.postMessage', (c) => c.args.channel === 'U0OFFICER1' && FakeSlackApi.textOf(c).includes(r.matter.ref) && c !== api.called('chat.postMessage')[0]);
      const first = api.called('chat.postMessage')[0]!;
      expect(first.args.channel).toBe('U0OFFICER1');
      expect(FakeSlackApi.textOf(card)).toContain(r.matter.ref);
      // What the service decided: the send job handed Slack's Retry-After (1 s) back to the queue,
      // and the job ran again as the same attempt once that time had passed.
      await h.idle();
      expect(runsOfHeldJob(runs, 'send')).toEqual([
        [1, 'retry_after:1000'],
        [1, 'done'],
      ]);
      expect(api.called('chat.postMessage').filter((c) => c.args.channel === 'U0OFFICER1')).toHaveLength(2);
    } finally {
      await h.close();
    }
    // A whole service starts inside this test: on a loaded machine that alone can take most of 30 s.
  }, 120_000);
});
