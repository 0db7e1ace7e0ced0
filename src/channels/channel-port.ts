// Moved to src/ports/channel.ts; kept as a re-export so parallel branches merge. Import from ports.
export { RecipientUnreachableError, RetryAfterError, type Channel as ChannelPort, type ChatTarget, type OutboundMessage } from '../ports/channel.js';
