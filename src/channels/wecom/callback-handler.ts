// The callback URL as a function of a small request/response shape (as grammY's webhookCallback
// is), so any HTTP server can serve it. GET is the URL check (echostr); POST is a callback: it is
// checked, decrypted, read and handed to `admit`, and WeCom gets 200 only after `admit` resolved
// (committed to the inbox). A callback that could not be committed gets 500 and its nonce is
// forgotten, so WeCom's retry (it retries a callback unanswered within 5 seconds) gets in.
import { WecomCallbackError, type CallbackCrypto } from './callback-crypto.js';
import { CallbackXmlError, dedupeKey, parseEnvelope, parseMessage } from './callback-xml.js';
import { fromAppCallback, type CallbackAction } from './to-chat-update.js';

export interface CallbackRequest {
  method: string;
  query: Record<string, string | undefined>;
  /** The raw body (POST). */
  body?: string;
}

export interface CallbackResponse {
  status: number;
  body: string;
}

export interface CallbackHandlerOptions {
  crypto: CallbackCrypto;
  /** Commits what the callback asks: an update to admit, or a 微信客服 fetch to run. */
  admit: (action: CallbackAction, meta: { dedupeKey: string }) => Promise<void>;
  /** Told of every refused callback (to log it: reason only, never the body). */
  onRefused?: (err: WecomCallbackError | CallbackXmlError) => void;
}

const MAX_BODY_CHARS = 256 * 1024;

const STATUS: Record<WecomCallbackError['reason'], number> = {
  bad_signature: 401,
  stale_timestamp: 401,
  replayed_nonce: 401,
  wrong_receiver: 403,
  malformed: 400,
};

export function wecomCallbackHandler(opts: CallbackHandlerOptions): (req: CallbackRequest) => Promise<CallbackResponse> {
  return async (req) => {
    try {
      if (req.method === 'GET') return { status: 200, body: await opts.crypto.verifyUrl(req.query) };
      if (req.method !== 'POST') return { status: 405, body: '' };
      // A callback is a few kilobytes (a text is at most 2048 bytes); nothing larger is parsed.
      if ((req.body?.length ?? 0) > MAX_BODY_CHARS) return { status: 413, body: '' };
      const envelope = parseEnvelope(req.body ?? '');
      const opened = await opts.crypto.open(req.query, envelope.encrypt);
      const message = parseMessage(opened.plaintext);
      try {
        await opts.admit(fromAppCallback(message), { dedupeKey: dedupeKey(message) });
      } catch (err) {
        await opts.crypto.forget(opened.replayKey);
        throw err;
      }
      return { status: 200, body: '' };
    } catch (err) {
      if (err instanceof WecomCallbackError) {
        opts.onRefused?.(err);
        return { status: STATUS[err.reason], body: '' };
      }
      if (err instanceof CallbackXmlError) {
        opts.onRefused?.(err);
        return { status: 400, body: '' };
      }
      return { status: 500, body: '' };
    }
  };
}
