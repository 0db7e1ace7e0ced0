// The Bot API's refusals, turned into the errors the workers act on.
import { TelegramError } from 'telegraf';
import { RecipientUnreachableError, RetryAfterError } from '../../ports/channel.js';

/** 403 (blocked, kicked) and a chat that no longer exists: stop writing there. */
const GONE = /chat not found|user is deactivated|bot was blocked|bot was kicked|PEER_ID_INVALID|have no rights to send/i;

/** Converts a Bot API failure; anything else is returned as it is. */
export function convertTelegramError(err: unknown): unknown {
  if (!(err instanceof TelegramError)) return err;
  if (err.code === 429) return new RetryAfterError(Math.max(1, err.parameters?.retry_after ?? 1) * 1000, 'telegram');
  if (err.code === 403 || (err.code === 400 && GONE.test(err.description))) return new RecipientUnreachableError('telegram', `telegram ${err.code}: ${err.description}`);
  return err;
}

/** An edit or an answer that changes nothing, or comes too late: cosmetic, never worth a retry. */
export function isHarmlessBadRequest(err: unknown): boolean {
  return err instanceof TelegramError && err.code === 400;
}

/** Says what to do when the bot cannot start. */
export class TelegramStartError extends Error {
  override readonly name = 'TelegramStartError';
  constructor(
    readonly code: number | null,
    detail: string,
  ) {
    super(
      code === 401 || code === 404
        ? `Telegram refused TELEGRAM_BOT_TOKEN (${code}): copy the token @BotFather gave you, or point TELEGRAM_API_ROOT at the right Bot API server`
        : `cannot reach the Telegram Bot API: ${detail}. Check the network, or TELEGRAM_API_ROOT`,
    );
  }
}
