// Moved to src/ports/channel.ts; kept as a re-export so parallel branches merge. Import from ports.
export type { ChatButton, ChatOutput, ChatTarget, ReplyKeyboard } from '../ports/channel.js';
