// The callback URL served over real HTTP (node:http around wecomCallbackHandler), driven by the
// stand-in's callback client as WeCom would: the URL check, a member's message and a card press
// admitted before 200, forgeries refused with nothing admitted, a callback that could not be
// committed answered 500 and let in on WeCom's retry, a duplicate handled once, and a villager's
// message reaching us through kf_msg_or_event → kf/sync_msg.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CallbackCrypto } from '../../../src/channels/wecom/callback-crypto.js';
import { wecomCallbackHandler } from '../../../src/channels/wecom/callback-handler.js';
import { fromKfMessage, type CallbackAction, type WecomChatUpdate } from '../../../src/channels/wecom/to-chat-update.js';
import { WecomApi } from '../../../src/channels/wecom/wecom-api.js';
import { WecomCallbackClient } from '../../support/wecom/callback-client.js';
import { FakeWecom, TEST_CORP } from '../../support/wecom/fake-wecom.js';
import { waitFor } from '../../support/wait.js';

/** A stand-in inbox: keyed by eventId, so a duplicate is handled once; can be told to fail. */
class Inbox {
  readonly updates = new Map<string, WecomChatUpdate>();
  readonly syncs: Array<{ token: string; openKfId?: string }> = [];
  admitted = 0;
  failNext = 0;

  async admit(action: CallbackAction): Promise<void> {
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new Error('database unavailable');
    }
    this.admitted += 1;
    if (action.kind === 'sync') this.syncs.push(action);
    else if (!this.updates.has(action.update.eventId)) this.updates.set(action.update.eventId, action.update);
  }
}

let fake: FakeWecom;
let server: Server;
let url: string;
let inbox: Inbox;
let client: WecomCallbackClient;
const refused: string[] = [];

beforeAll(async () => {
  fake = await FakeWecom.start();
  const crypto = new CallbackCrypto({ token: TEST_CORP.token, encodingAESKey: TEST_CORP.encodingAESKey, receiveId: TEST_CORP.corpId });
  const handle = wecomCallbackHandler({ crypto, admit: (a) => inbox.admit(a), onRefused: (e) => refused.push('reason' in e ? e.reason : 'xml') });
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const u = new URL(req.url ?? '/', 'http://x');
      const out = await handle({ method: req.method ?? 'GET', query: Object.fromEntries(u.searchParams), body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(out.status, { 'content-type': 'text/plain' }).end(out.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/wecom/callback`;
  client = new WecomCallbackClient({ url });
  fake.callbackUrl = url;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  await fake.stop();
});
beforeEach(() => {
  inbox = new Inbox();
  refused.length = 0;
});

describe('the WeCom callback URL', () => {
  it('answers the URL check with the decrypted echostr, and refuses a forged one', async () => {
    const ok = await client.verifyUrl('1616140317555161061');
    expect(ok).toMatchObject({ status: 200, body: '1616140317555161061' });
    expect((await client.verifyUrl('x', 'bad_signature')).status).toBe(401);
  });

  it("admits a member's message before answering 200", async () => {
    const res = await client.text('ZhangWei', '已到现场，正在处理');
    expect(res.status).toBe(200);
    const [u] = [...inbox.updates.values()];
    expect(u).toMatchObject({ platform: 'wecom', userId: 'ZhangWei', content: { kind: 'text', text: '已到现场，正在处理' } });
  });

  it('admits a template card press with its task id and response code', async () => {
    expect((await client.pressButton('ZhangWei', { taskId: 'matter-m1-1', eventKey: 'take:m1', responseCode: 'rc-1' })).status).toBe(200);
    expect([...inbox.updates.values()][0]).toMatchObject({ messageRef: 'matter-m1-1:rc-1', content: { kind: 'callback', data: 'take:m1', callbackRef: 'rc-1' } });
  });

  it('refuses forgeries — bad signature, another corp inside, stale timestamp, replayed nonce — and admits nothing from them', async () => {
    expect((await client.text('ZhangWei', '伪造', { forgery: 'bad_signature' })).status).toBe(401);
    expect((await client.text('ZhangWei', '伪造', { forgery: 'other_corp' })).status).toBe(403);
    expect((await client.text('ZhangWei', '伪造', { forgery: 'stale_timestamp' })).status).toBe(401);
    const real = await client.text('ZhangWei', '真的');
    expect(real.status).toBe(200);
    expect((await client.replay(real)).status).toBe(401);
    expect(refused).toEqual(['bad_signature', 'wrong_receiver', 'stale_timestamp', 'replayed_nonce']);
    expect(inbox.admitted).toBe(1);
    expect([...inbox.updates.values()].map((u) => u.content)).toEqual([{ kind: 'text', text: '真的' }]);
    const garbage = await fetch(`${url}?msg_signature=x&timestamp=1&nonce=1`, { method: 'POST', body: '<not-xml' });
    expect(garbage.status).toBe(400);
    const huge = await fetch(`${url}?msg_signature=x&timestamp=1&nonce=1`, { method: 'POST', body: `<xml><Encrypt>${'A'.repeat(300_000)}</Encrypt></xml>` });
    expect(huge.status).toBe(413);
    expect(inbox.admitted).toBe(1);
  });

  it('a callback that could not be committed gets 500, and WeCom retrying the same request gets in', async () => {
    inbox.failNext = 1;
    const first = await client.text('ZhangWei', '数据库忙时发的', { msgId: '777000111' });
    expect(first.status).toBe(500);
    expect(inbox.updates.size).toBe(0);
    expect((await client.replay(first)).status).toBe(200);
    expect([...inbox.updates.values()][0]).toMatchObject({ eventId: 'wecom:app:msg:777000111' });
  });

  it('a duplicate callback (the same MsgId, signed anew) is handled once', async () => {
    await client.text('ZhangWei', '重复的', { msgId: '888000222' });
    await client.text('ZhangWei', '重复的', { msgId: '888000222' });
    expect(inbox.admitted).toBe(2);
    expect(inbox.updates.size).toBe(1);
  });

  it("a villager's message arrives as kf_msg_or_event, and kf/sync_msg with its token brings it in", async () => {
    const kf = new WecomApi({ corpId: TEST_CORP.corpId, secret: TEST_CORP.kfSecret, secretName: 'kf', baseUrl: fake.url });
    await fake.villagerEnters('wmPosterVillager', 'SC03');
    await fake.villagerWrites('wmPosterVillager', '村口路灯坏了三天了');
    await waitFor(() => inbox.syncs.length >= 2, 'two kf_msg_or_event callbacks');
    const got: WecomChatUpdate[] = [];
    let cursor: string | undefined;
    for (let more = true; more; ) {
      const page = await kf.kfSyncMsg({ cursor, token: inbox.syncs.at(-1)!.token, openKfId: inbox.syncs.at(-1)!.openKfId });
      got.push(...page.msg_list.map(fromKfMessage));
      cursor = page.next_cursor;
      more = page.has_more;
    }
    expect(got.map((u) => u.content)).toEqual([
      { kind: 'command', command: 'start', args: 'SC03' },
      { kind: 'text', text: '村口路灯坏了三天了' },
    ]);
    expect(new Set(got.map((u) => u.chatId))).toEqual(new Set([`kf:${TEST_CORP.openKfId}:wmPosterVillager`]));
  });
});
