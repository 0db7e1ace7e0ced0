// The callback's security (加解密方案, https://developer.work.weixin.qq.com/document/path/90968):
// msg_signature = sha1 of the sorted token, timestamp, nonce and ciphertext; the ciphertext is
// AES-256-CBC (key = base64(EncodingAESKey + '='), iv = its first 16 bytes, PKCS#7 to 32 bytes)
// of 16 random bytes + 4-byte length + message + receiveid. The arithmetic is the official
// @wecom/crypto's; around it, what it leaves out: a constant-time signature check, a strict
// ciphertext shape, the receiveid (our corp id) checked, and replays refused.
import { timingSafeEqual } from 'node:crypto';
import { decrypt, encrypt, getSignature } from '@wecom/crypto';

export type CallbackRefusal = 'bad_signature' | 'stale_timestamp' | 'replayed_nonce' | 'wrong_receiver' | 'malformed';

/** A callback that is not WeCom's, or not for us, or seen before. Answered 401/403, never processed. */
export class WecomCallbackError extends Error {
  override readonly name = 'WecomCallbackError';
  constructor(
    readonly reason: CallbackRefusal,
    detail: string,
  ) {
    super(`refused a WeCom callback (${reason}): ${detail}`);
  }
}

/**
 * Remembers the nonces of callbacks already accepted, shared by every process behind the URL
 * (Redis SET NX PX, or a table, wired later). `firstSeen` records the key and answers whether it
 * was new; a key is kept `ttlMs`, at least as long as the timestamp window. `forget` lets a
 * callback that could not be committed in again (WeCom retries it), so a failure loses nothing.
 */
export interface NonceStore {
  firstSeen(key: string, ttlMs: number): Promise<boolean>;
  forget(key: string): Promise<void>;
}

/** This process only: right for one process and for tests. */
export class MemoryNonceStore implements NonceStore {
  private readonly seen = new Map<string, number>();
  constructor(private readonly now: () => number = Date.now) {}

  async firstSeen(key: string, ttlMs: number): Promise<boolean> {
    const now = this.now();
    if (this.seen.size > 10_000) for (const [k, until] of this.seen) if (until <= now) this.seen.delete(k);
    const until = this.seen.get(key);
    if (until !== undefined && until > now) return false;
    this.seen.set(key, now + ttlMs);
    return true;
  }

  async forget(key: string): Promise<void> {
    this.seen.delete(key);
  }
}

/** A callback that passed every check: its plaintext, and the key to forget if it cannot be committed. */
export interface OpenedCallback {
  plaintext: string;
  replayKey: string;
}

export interface CallbackCryptoOptions {
  /** The callback Token set in the admin console (WECOM_TOKEN). */
  token: string;
  /** The 43-character EncodingAESKey (WECOM_AES_KEY). */
  encodingAESKey: string;
  /** What the decrypted message must end with: the corp id for a self-built app and for 微信客服. */
  receiveId: string;
  /** Replays: nonces seen within the window are refused. Default: this process's memory. */
  nonces?: NonceStore;
  /** How old (or how far ahead) a timestamp may be. Default 5 minutes. */
  windowMs?: number;
  now?: () => number;
}

/** The query WeCom adds to the callback URL. */
export interface SignedQuery {
  msg_signature?: string;
  timestamp?: string;
  nonce?: string;
  echostr?: string;
}

const AES_KEY = /^[A-Za-z0-9+/]{43}$/;
/** Base64 of a whole number of 32-byte blocks (PKCS#7 to 32 always adds at least one byte). */
const CIPHERTEXT = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const DEFAULT_WINDOW_MS = 5 * 60_000;

/** Says what is wrong with an EncodingAESKey, or null when it is usable. */
export function checkEncodingAESKey(key: string): string | null {
  if (!AES_KEY.test(key)) return `WECOM_AES_KEY must be the 43 characters of the EncodingAESKey (got ${key.length})`;
  if (Buffer.from(`${key}=`, 'base64').length !== 32) return 'WECOM_AES_KEY does not decode to 32 bytes';
  return null;
}

export class CallbackCrypto {
  private readonly nonces: NonceStore;
  private readonly windowMs: number;
  private readonly now: () => number;

  constructor(private readonly opts: CallbackCryptoOptions) {
    const bad = checkEncodingAESKey(opts.encodingAESKey);
    if (bad) throw new Error(bad);
    if (!opts.token) throw new Error('WECOM_TOKEN is empty: copy the Token set with the callback URL');
    if (!opts.receiveId) throw new Error('WECOM_CORP_ID is empty');
    this.nonces = opts.nonces ?? new MemoryNonceStore(opts.now);
    this.windowMs = opts.windowMs ?? DEFAULT_WINDOW_MS;
    this.now = opts.now ?? Date.now;
  }

  /** The URL check (GET with echostr): the plaintext echostr to answer with, after the same checks. */
  async verifyUrl(query: SignedQuery): Promise<string> {
    if (!query.echostr) throw new WecomCallbackError('malformed', 'no echostr');
    // Base64 holds no spaces: a '+' that reached us unencoded was decoded as a space on the way.
    return (await this.open(query, query.echostr.replace(/ /g, '+'))).plaintext;
  }

  /**
   * A signed ciphertext (the POST body's Encrypt, or the echostr) → the plaintext, refusing a bad
   * signature, a timestamp outside the window, a nonce seen before, a ciphertext that is not ours.
   * The nonce is remembered only once the rest passed, so a forger cannot burn real nonces; call
   * `forget(replayKey)` when the callback could not be committed, so WeCom's retry gets in.
   */
  async open(query: SignedQuery, ciphertext: string): Promise<OpenedCallback> {
    const { msg_signature: signature, timestamp, nonce } = query;
    if (!signature || !timestamp || !nonce) throw new WecomCallbackError('malformed', 'msg_signature, timestamp and nonce are required');
    if (!sameHex(signature, getSignature(this.opts.token, timestamp, nonce, ciphertext))) throw new WecomCallbackError('bad_signature', 'msg_signature does not match');
    const at = /^\d{1,12}$/.test(timestamp) ? Number(timestamp) * 1000 : NaN;
    if (!Number.isFinite(at) || Math.abs(this.now() - at) > this.windowMs) throw new WecomCallbackError('stale_timestamp', `timestamp ${timestamp.slice(0, 16)} is outside the ${this.windowMs / 60_000}-minute window`);
    const plaintext = this.decrypt(ciphertext);
    const replayKey = `${timestamp}:${nonce}`;
    if (!(await this.nonces.firstSeen(replayKey, 2 * this.windowMs))) throw new WecomCallbackError('replayed_nonce', 'this timestamp and nonce were seen before');
    return { plaintext, replayKey };
  }

  /** Lets a callback in again (it was accepted but could not be committed). */
  forget(replayKey: string): Promise<void> {
    return this.nonces.forget(replayKey);
  }

  /** Decrypts and checks the layout and the receiveid; no signature involved. */
  decrypt(ciphertext: string): string {
    if (!ciphertext || !CIPHERTEXT.test(ciphertext) || Buffer.from(ciphertext, 'base64').length % 32 !== 0) throw new WecomCallbackError('malformed', 'the ciphertext is not base64 of whole AES blocks');
    let out: { message: string; id: string; random: Buffer };
    try {
      out = decrypt(this.opts.encodingAESKey, ciphertext);
    } catch (err) {
      throw new WecomCallbackError('malformed', `cannot decrypt: ${(err as Error).message}`);
    }
    if (out.id !== this.opts.receiveId) throw new WecomCallbackError('wrong_receiver', 'the message is addressed to another corp or app');
    return out.message;
  }

  /** Encrypts and signs a message (a passive reply; the stand-in's callbacks). */
  seal(message: string, timestamp: string, nonce: string, random?: Buffer): { encrypt: string; signature: string } {
    const ciphertext = encrypt(this.opts.encodingAESKey, message, this.opts.receiveId, random);
    return { encrypt: ciphertext, signature: getSignature(this.opts.token, timestamp, nonce, ciphertext) };
  }
}

function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a.toLowerCase());
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
