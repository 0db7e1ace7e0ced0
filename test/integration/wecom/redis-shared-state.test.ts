// The token and the nonces shared through the real Redis: two "processes" (two clients, two
// connections) sending for one app fetch one token between them when it expires mid-send, and a
// callback accepted by one is a replay for the other.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallbackCrypto, WecomCallbackError } from '../../../src/channels/wecom/callback-crypto.js';
import { RedisNonceStore, RedisTokenCache } from '../../../src/channels/wecom/redis-shared-state.js';
import { WecomApi } from '../../../src/channels/wecom/wecom-api.js';
import { FakeWecom, TEST_CORP } from '../../support/wecom/fake-wecom.js';
import { TEST_REDIS_URL } from '../../support/store.js';

const namespace = `gltest${randomBytes(4).toString('hex')}:wecom:`;
const one = new Redis(TEST_REDIS_URL);
const two = new Redis(TEST_REDIS_URL);
let fake: FakeWecom;

beforeAll(async () => {
  fake = await FakeWecom.start();
});
afterAll(async () => {
  const keys = await one.keys(`${namespace}*`);
  if (keys.length) await one.del(...keys);
  one.disconnect();
  two.disconnect();
  await fake.stop();
});

function api(redis: Redis): WecomApi {
  return new WecomApi({ corpId: TEST_CORP.corpId, secret: TEST_CORP.secret, secretName: String(TEST_CORP.agentId), baseUrl: fake.url, tokenCache: new RedisTokenCache(redis, { namespace }) });
}

describe('WeCom state shared through Redis', () => {
  it('two processes fetch one token, and one more when it expires mid-send under 30 concurrent sends', async () => {
    const a = api(one);
    const b = api(two);
    await Promise.all([a, b, a, b].map((x, i) => x.sendAppMessage(TEST_CORP.agentId, `redis${i}`, { msgtype: 'text', text: { content: '开始' } })));
    expect(fake.tokensIssued.get(TEST_CORP.secret)).toBe(1);
    fake.expireTokens();
    const sends = Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).sendAppMessage(TEST_CORP.agentId, `redis-late${i}`, { msgtype: 'text', text: { content: `第${i}条` } }));
    expect((await Promise.all(sends)).every((r) => r.msgid)).toBe(true);
    expect(fake.tokensIssued.get(TEST_CORP.secret)).toBe(2);
    expect(a.tokens.fetches + b.tokens.fetches).toBe(2);
  });

  it('a callback accepted by one process is a replay for the other; forgotten, it gets in again', async () => {
    const keys = { token: TEST_CORP.token, encodingAESKey: TEST_CORP.encodingAESKey, receiveId: TEST_CORP.corpId };
    const p1 = new CallbackCrypto({ ...keys, nonces: new RedisNonceStore(one, { namespace }) });
    const p2 = new CallbackCrypto({ ...keys, nonces: new RedisNonceStore(two, { namespace }) });
    const ts = String(Math.floor(Date.now() / 1000));
    const sealed = p1.seal('<xml><MsgType>text</MsgType></xml>', ts, '20260603');
    const query = { msg_signature: sealed.signature, timestamp: ts, nonce: '20260603' };
    const opened = await p1.open(query, sealed.encrypt);
    const replay = await p2.open(query, sealed.encrypt).catch((e: unknown) => e);
    expect(replay instanceof WecomCallbackError && replay.reason).toBe('replayed_nonce');
    await p1.forget(opened.replayKey);
    expect((await p2.open(query, sealed.encrypt)).plaintext).toContain('text');
  });
});
