// The Slack route on the app's own HTTP server: the signing secret is always checked, stale or
// forged requests get 401, and every request is acknowledged at once (the work is queued).
import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from 'vitest';
import { SlackFrontDoor } from '../../../src/channels/slack/index.js';
import { createAdmission } from '../../../src/app/admission.js';
import type { StartWorkersOptions } from '../../../src/app/runtime.js';
import { loadConfig } from '../../../src/config/config.js';
import type { JobOutcome } from '../../../src/ports/jobs.js';
import { outbox } from '../../../src/store/schema.js';
import { newOfficer, newTree } from '../../support/factories.js';
import { testLogger } from '../../support/runtime.js';
import { FakeSlackApi } from '../../support/slack/fake-slack-api.js';
import { eventRequest, messageEvent, sign, SIGNING_SECRET, slashCommand } from '../../support/slack/signed-requests.js';
import { linkSlack, startSlackHarness, type SlackHarness } from '../../support/slack/slack-harness.js';
import { openTestStore, type TestStore } from '../../support/store.js';
import { waitFor } from '../../support/wait.js';
import { CardService } from '../../../src/services/card-service.js';

describe('the Slack receiver', () => {
  let store: TestStore;
  let api: FakeSlackApi;
  let h: SlackHarness;
  // While set, the `chat` jobs wait for it: a request answered meanwhile was acknowledged before its work.
  let hold: { promise: Promise<void>; release: () => void } | null = null;
  const wrap: StartWorkersOptions['wrap'] = (name, handler) =>
    name !== 'chat'
      ? handler
      : (async (data: never, meta: never) => {
          await hold?.promise;
          return (handler as (d: never, m: never) => Promise<JobOutcome>)(data, meta);
        }) as typeof handler;

  beforeAll(async () => {
    store = await openTestStore('postgres');
    api = await FakeSlackApi.start();
  });
  afterAll(async () => {
    await api?.stop();
    await store?.close();
  });
  beforeEach(async () => {
    await store.reset();
    api.reset();
    hold = null;
    h = await startSlackHarness(store, api, { wrap });
  });
  afterEach(async () => {
    hold?.release();
    await h?.close();
  });

  const queued = async () => (await store.db.select().from(outbox)).filter((r) => r.queue === 'chat').length;

  it('answers 401 to a bad signature and to a request older than 5 minutes or more than 5 minutes ahead, and queues nothing', async () => {
    const req = messageEvent({ user: 'U0SOMEONE', channel: 'D0SOMEONE', text: '你好' });
    expect((await h.send(req, { secret: 'not-the-secret' })).status).toBe(401);
    expect((await h.send(req, { signature: 'v0=' + '0'.repeat(64) })).status).toBe(401);
    const sixMinutesAgo = Math.floor(Date.now() / 1000) - 6 * 60;
    expect((await h.send(req, { timestamp: sixMinutesAgo })).status).toBe(401);
    // Signed with the right secret, but dated 6 minutes ahead (Bolt itself checks only staleness).
    const sixMinutesAhead = Math.floor(Date.now() / 1000) + 6 * 60;
    expect((await h.send(req, { timestamp: sixMinutesAhead })).status).toBe(401);
    // No signature at all.
    const bare = await fetch(h.endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body: req.body });
    expect(bare.status).toBe(401);
    // A body changed after signing.
    const headers = sign(req.body);
    const tampered = await fetch(h.endpoint, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: req.body.replace('你好', '您好') });
    expect(tampered.status).toBe(401);
    expect(await queued()).toBe(0);

    // The same request, signed now with the right secret, is taken.
    expect((await h.send(req)).status).toBe(200);
    expect(await queued()).toBe(1);
    // A sender whose clock is a little ahead is still heard.
    const slightlyAhead = messageEvent({ user: 'U0SOMEONE', channel: 'D0SOMEONE', text: '您好' });
    expect((await h.send(slightlyAhead, { timestamp: Math.floor(Date.now() / 1000) + 60 })).status).toBe(200);
    expect(await queued()).toBe(2);
  });

  it('answers Slack’s URL check and acknowledges events and commands at once', async () => {
    const challenge = { body: JSON.stringify({ type: 'url_verification', challenge: 'c-123', token: 'x' }), contentType: 'application/json' };
    const res = await h.send(challenge);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ challenge: 'c-123' });

    // The worker is held: the answers below cannot have waited for the work.
    let release = () => {};
    hold = { promise: new Promise<void>((r) => (release = r)), release: () => release() };
    const ev = await h.send(eventRequest({ type: 'app_home_opened', user: 'U0SOMEONE', channel: 'D0SOMEONE', tab: 'home' }));
    const cmd = await h.send(slashCommand({ user: 'U0SOMEONE', channel: 'C0GRID', text: 'mine', responseUrl: `${api.url}/respond/1` }));
    expect(ev.status).toBe(200);
    expect(cmd.status).toBe(200);
    expect(api.called('views.publish')).toHaveLength(0);
    expect(api.called('chat.postMessage')).toHaveLength(0);
    expect(api.called('response_url')).toHaveLength(0);
    // The work is done by the flows afterwards: App Home says how to link; the command, typed in a
    // channel, greets a newcomer there, to them alone.
    hold.release();
    const home = await h.waitCall('views.publish', (c) => c.args.user_id === 'U0SOMEONE');
    expect(JSON.stringify(home.args.view)).toContain('/grid link');
    const answered = await h.waitCall('response_url', (c) => c.args.url === `${api.url}/respond/1`);
    expect(String(answered.args.text)).toContain('先选一下语言');
    expect(answered.args.response_type).toBe('ephemeral');
  });

  it('fails the job when a Web API call fails, and the queue retries it', async () => {
    const tree = await newTree(store.db);
    const officer = await newOfficer(store.db, tree.unit, '李冬梅');
    await linkSlack(store.db, officer.id, 'U0OFFICER1');
    api.failNext('views.publish', 'internal_error');
    await h.send(eventRequest({ type: 'app_home_opened', user: 'U0OFFICER1', channel: 'D0OFFICER1', tab: 'home' }));
    await waitFor(() => api.called('views.publish').length >= 2, 'the job retried after the failed call');
  });
});

describe('Slack settings', () => {
  it('makes a bot token without a signing secret a configuration error in HTTP mode', () => {
    expect(() => loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1-2-3' })).toThrow(/SLACK_SIGNING_SECRET/);
    expect(loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1-2-3', SLACK_APP_TOKEN: 'xapp-1-2' }).slack?.appToken).toBe('xapp-1-2');
    const ctx = { db: null as never, now: () => new Date(), logger: testLogger, outboxWritten: () => {} };
    expect(() => new SlackFrontDoor({ botToken: 'xoxb-1', signingSecret: '' }, { ctx, admission: createAdmission(ctx), cards: new CardService(ctx), timezone: 'Asia/Shanghai' })).toThrow(/SLACK_SIGNING_SECRET/);
    // Socket Mode needs no HTTP route.
    const socket = new SlackFrontDoor({ botToken: 'xoxb-1', signingSecret: '', appToken: 'xapp-1' }, { ctx, admission: createAdmission(ctx), cards: new CardService(ctx), timezone: 'Asia/Shanghai' });
    expect(socket.mode).toBe('socket');
    expect(SIGNING_SECRET.length).toBeGreaterThan(8);
  });

  it('refuses to start with a token Slack does not accept, saying what to do', async () => {
    const api = await FakeSlackApi.start();
    try {
      api.failNext('auth.test', 'invalid_auth');
      const ctx = { db: null as never, now: () => new Date(), logger: testLogger, outboxWritten: () => {} };
      const door = new SlackFrontDoor({ botToken: 'xoxb-wrong', signingSecret: SIGNING_SECRET, apiUrl: `${api.url}/api/`, apiRetries: 0 }, { ctx, admission: createAdmission(ctx), cards: new CardService(ctx), timezone: 'Asia/Shanghai' });
      await expect(door.start()).rejects.toThrow(/invalid_auth.*Bot User OAuth Token/);
    } finally {
      await api.stop();
    }
  });
});
