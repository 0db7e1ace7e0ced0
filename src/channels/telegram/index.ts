// The Telegram adapter: everything that knows telegraf stays in this folder.
export { ALLOWED_UPDATES, TelegramChannel, telegramInboxId, type ReceiveResult, type TelegramChannelOptions } from './telegram-channel.js';
export { normalizeUpdate, TELEGRAM_FILE_LIMIT } from './normalize-update.js';
export { splitText, TELEGRAM_TEXT_LIMIT } from './split-text.js';
export { SendScheduler, TELEGRAM_LIMITS, isGroupChat, type RateLimits } from './send-scheduler.js';
export { SECRET_HEADER } from './webhook-route.js';
export { convertTelegramError, TelegramStartError } from './telegram-errors.js';
export { telegramPlatform, type TelegramSettings } from './platform.js';
