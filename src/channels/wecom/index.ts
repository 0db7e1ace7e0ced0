// WeCom (企业微信) for staff and WeChat Customer Service (微信客服) for villagers. See docs/wecom.md.
export { WecomFrontDoor, type WecomDeps, type WecomSettings } from './wecom-front-door.js';
export { WecomChannel, type WecomChannelOptions } from './wecom-channel.js';
export { WECOM_CALLBACK_PATH, WecomInbound, WelcomeCodes, type WecomInboundOptions } from './wecom-inbound.js';
export { CallbackCrypto, MemoryNonceStore, WecomCallbackError, checkEncodingAESKey, type CallbackRefusal, type NonceStore, type OpenedCallback, type SignedQuery } from './callback-crypto.js';
export { wecomCallbackHandler, type CallbackHandlerOptions, type CallbackRequest, type CallbackResponse } from './callback-handler.js';
export { CallbackXmlError, buildEnvelope, buildXml, dedupeKey, parseEnvelope, parseMessage, type CallbackEnvelope, type WecomMessage } from './callback-xml.js';
export { CARD_LIMITS, MENU_LIMITS, WecomShapeError, buttonCard, menuMessage, taskIdOf, type PlainButton, type PlainCard } from './draw.js';
export { WecomFileFetchError, WecomFiles, mediaTypeFor, parseFileRef } from './wecom-files.js';
export { APP_SEND_LIMITS, KF_SENDING_WINDOW, appDayBucket, memberBuckets } from './send-budget.js';
export { WECOM_TEXT_BYTES, splitText } from './split-text.js';
export { MEDIA_LIMITS, WECOM_API_URL, WecomApi, type WecomApiOptions } from './wecom-api.js';
export { RedisNonceStore, RedisTokenCache, type RedisSharedOptions } from './redis-shared-state.js';
export { MemoryTokenCache, TokenSource, type CachedToken, type TokenCache } from './token-cache.js';
export { RATE_LIMIT_CODES, SendingWindowClosedError, TOKEN_EXPIRED_CODES, UNREACHABLE_CODES, WINDOW_CODES, WecomApiError, WecomHttpError, convertWecomError } from './wecom-errors.js';
export { drainKf, type DrainOptions, type DrainResult, type KfPage } from './kf-sync.js';
export { KEYBOARD_ITEM, KF_CHAT, KF_ORIGIN, WECOM, cardRef, parseCardRef, fromAppCallback, fromKfMessage, kfChatId, parseKfChatId, type CallbackAction, type WecomChatUpdate } from './to-chat-update.js';
export type * from './wecom-types.js';
export { wecomPlatform, type WecomPlatformSettings } from './platform.js';
