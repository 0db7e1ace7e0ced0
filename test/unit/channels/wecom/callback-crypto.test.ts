// The callback's crypto against the vectors of WeCom's own samples (加解密方案说明; the samples
// of the official WXBizMsgCrypt libraries), a round trip, and every forgery refused by name.
import { describe, expect, it } from 'vitest';
import { CallbackCrypto, MemoryNonceStore, WecomCallbackError, checkEncodingAESKey, type CallbackRefusal } from '../../../../src/channels/wecom/callback-crypto.js';
import { parseEnvelope, parseMessage } from '../../../../src/channels/wecom/callback-xml.js';

/** The official sample corp (token, EncodingAESKey, corp id) and its two signed requests. */
const SAMPLE = {
  token: 'QDG6eK',
  encodingAESKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C',
  corpId: 'wx5823bf96d3bd56c7',
  verify: {
    query: { msg_signature: '5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3', timestamp: '1409659589', nonce: '263014780', echostr: 'P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==' },
    plaintext: '1616140317555161061',
  },
  post: {
    query: { msg_signature: '477715d11cdb4164915debcba66cb864d751f3e6', timestamp: '1409659813', nonce: '1372623149' },
    body:
      '<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><Encrypt><![CDATA[RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==]]></Encrypt><AgentID><![CDATA[218]]></AgentID></xml>',
  },
};

function sampleCrypto(atSec: number, over: Partial<ConstructorParameters<typeof CallbackCrypto>[0]> = {}): CallbackCrypto {
  return new CallbackCrypto({ token: SAMPLE.token, encodingAESKey: SAMPLE.encodingAESKey, receiveId: SAMPLE.corpId, now: () => atSec * 1000, ...over });
}

async function refusal(p: Promise<unknown>): Promise<CallbackRefusal> {
  try {
    await p;
  } catch (err) {
    if (err instanceof WecomCallbackError) return err.reason;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('WeCom callback crypto', () => {
  it('answers the official URL check vector with its echostr', async () => {
    const c = sampleCrypto(1409659589 + 10);
    expect(await c.verifyUrl(SAMPLE.verify.query)).toBe(SAMPLE.verify.plaintext);
  });

  it("answers it too when the echostr's '+' arrived unencoded and was read as a space", async () => {
    const c = sampleCrypto(1409659589);
    expect(SAMPLE.verify.query.echostr).toContain('+');
    expect(await c.verifyUrl({ ...SAMPLE.verify.query, echostr: SAMPLE.verify.query.echostr.replace(/\+/g, ' ') })).toBe(SAMPLE.verify.plaintext);
  });

  it('opens the official message vector and reads it', async () => {
    const c = sampleCrypto(1409659813);
    const env = parseEnvelope(SAMPLE.post.body);
    expect(env.agentId).toBe('218');
    const { plaintext } = await c.open(SAMPLE.post.query, env.encrypt);
    const m = parseMessage(plaintext);
    expect(m).toMatchObject({ type: 'text', content: 'hello', fromUserName: 'mycreate', msgId: '4561255354251345929', agentId: '218', createTime: 1409659813 });
  });

  it('seals and opens a round trip, multi-byte text included', async () => {
    const c = sampleCrypto(1_800_000_000);
    const message = '<xml><Content><![CDATA[村口路灯坏了三天了 🚧 ]]></Content></xml>';
    for (const len of [0, 1, 11, 12, 43, 44, 1000]) {
      const m = message + 'x'.repeat(len);
      const sealed = c.seal(m, '1800000000', `n${len}`);
      expect(Buffer.from(sealed.encrypt, 'base64').length % 32).toBe(0);
      expect((await c.open({ msg_signature: sealed.signature, timestamp: '1800000000', nonce: `n${len}` }, sealed.encrypt)).plaintext).toBe(m);
    }
  });

  it('refuses a wrong signature, a tampered ciphertext, a missing parameter', async () => {
    const c = sampleCrypto(1409659813);
    const env = parseEnvelope(SAMPLE.post.body);
    expect(await refusal(c.open({ ...SAMPLE.post.query, msg_signature: '0'.repeat(40) }, env.encrypt))).toBe('bad_signature');
    expect(await refusal(c.open({ ...SAMPLE.post.query, msg_signature: 'short' }, env.encrypt))).toBe('bad_signature');
    const tampered = (env.encrypt[0] === 'A' ? 'B' : 'A') + env.encrypt.slice(1);
    expect(await refusal(c.open(SAMPLE.post.query, tampered))).toBe('bad_signature');
    expect(await refusal(c.open({ timestamp: '1409659813', nonce: '1' }, env.encrypt))).toBe('malformed');
    expect(await refusal(sampleCrypto(1409659589).verifyUrl({ ...SAMPLE.verify.query, echostr: undefined }))).toBe('malformed');
  });

  it('refuses a timestamp outside the window, either way', async () => {
    const env = parseEnvelope(SAMPLE.post.body);
    expect(await refusal(sampleCrypto(1409659813 + 301).open(SAMPLE.post.query, env.encrypt))).toBe('stale_timestamp');
    expect(await refusal(sampleCrypto(1409659813 - 301).open(SAMPLE.post.query, env.encrypt))).toBe('stale_timestamp');
    expect((await sampleCrypto(1409659813 + 300).open(SAMPLE.post.query, env.encrypt)).plaintext).toContain('hello');
    expect(await refusal(sampleCrypto(1409659813 + 61, { windowMs: 60_000 }).open(SAMPLE.post.query, env.encrypt))).toBe('stale_timestamp');
  });

  it('refuses a replayed nonce, and lets it in again once forgotten (a callback that could not be committed)', async () => {
    const c = sampleCrypto(1409659813);
    const env = parseEnvelope(SAMPLE.post.body);
    const first = await c.open(SAMPLE.post.query, env.encrypt);
    expect(await refusal(c.open(SAMPLE.post.query, env.encrypt))).toBe('replayed_nonce');
    await c.forget(first.replayKey);
    expect((await c.open(SAMPLE.post.query, env.encrypt)).plaintext).toBe(first.plaintext);
  });

  it('shares replays through the nonce store given (two processes, one store)', async () => {
    const nonces = new MemoryNonceStore(() => 1409659813_000);
    const env = parseEnvelope(SAMPLE.post.body);
    await sampleCrypto(1409659813, { nonces }).open(SAMPLE.post.query, env.encrypt);
    expect(await refusal(sampleCrypto(1409659813, { nonces }).open(SAMPLE.post.query, env.encrypt))).toBe('replayed_nonce');
  });

  it('does not burn a nonce on a forged request', async () => {
    const c = sampleCrypto(1409659813);
    const env = parseEnvelope(SAMPLE.post.body);
    expect(await refusal(c.open({ ...SAMPLE.post.query, msg_signature: '1'.repeat(40) }, env.encrypt))).toBe('bad_signature');
    expect((await c.open(SAMPLE.post.query, env.encrypt)).plaintext).toContain('hello');
  });

  it("refuses a message encrypted for another corp, even correctly signed", async () => {
    const forger = new CallbackCrypto({ token: SAMPLE.token, encodingAESKey: SAMPLE.encodingAESKey, receiveId: 'ww0someone0else02' });
    const sealed = forger.seal('<xml><MsgType>text</MsgType></xml>', '1409659813', '42');
    expect(await refusal(sampleCrypto(1409659813).open({ msg_signature: sealed.signature, timestamp: '1409659813', nonce: '42' }, sealed.encrypt))).toBe('wrong_receiver');
    // The official URL vector checked as another corp's.
    expect(await refusal(sampleCrypto(1409659589, { receiveId: 'ww0someone0else02' }).verifyUrl(SAMPLE.verify.query))).toBe('wrong_receiver');
  });

  it('refuses ciphertext that is not base64 of whole blocks, before decrypting', () => {
    const c = sampleCrypto(0);
    for (const bad of ['', 'not base64!', 'AAAA', Buffer.alloc(48).toString('base64'), Buffer.alloc(31).toString('base64')]) {
      expect(() => c.decrypt(bad), bad).toThrow(WecomCallbackError);
    }
  });

  it('refuses a bad EncodingAESKey or an empty token at start, saying which', () => {
    expect(checkEncodingAESKey(SAMPLE.encodingAESKey)).toBeNull();
    expect(checkEncodingAESKey(SAMPLE.encodingAESKey + '=')).toMatch(/43 characters/);
    expect(checkEncodingAESKey('short')).toMatch(/43 characters/);
    expect(() => new CallbackCrypto({ token: '', encodingAESKey: SAMPLE.encodingAESKey, receiveId: 'x' })).toThrow(/WECOM_TOKEN/);
    expect(() => new CallbackCrypto({ token: 't', encodingAESKey: 'x'.repeat(42), receiveId: 'x' })).toThrow(/WECOM_AES_KEY/);
  });
});
