// The contract between a chat turn and what answers it: the chat service (chat-service.ts) loads
// the person's place, hands it to a ConversationEngine, and saves what comes back. The flow engine
// (src/flows/engine.ts) implements it; the composition root wires the two together.
import type { Locale } from '../domain/types.js';
import type { ChatOutput, Strangers } from '../ports/channel.js';
import type { ChatUpdate } from '../ports/chat-update.js';
import type { ServiceContext } from '../ports/context.js';
import type { Sender } from './directory-service.js';

export type FlowData = Record<string, unknown>;

/** A person's place in a flow, as stored. */
export interface FlowState {
  flow: string;
  step: string;
  data: FlowData;
  /** The chat the flow runs in: its answers come from there. */
  chatId: string;
  /** Changes with every new step: buttons of an earlier step are refused as stale. */
  token: string;
  locale: Locale | null;
  expiresAt: Date | null;
}

export interface TurnInput {
  /** Its `db` is the turn's transaction. */
  svc: ServiceContext;
  update: ChatUpdate;
  sender: Sender | null;
  state: FlowState | null;
  /** The language for someone the platform gave no language code for. */
  defaultLocale?: Locale;
  /** How the update's platform writes a command (its channel's `commandPrefix`; default '/'). */
  commandPrefix?: string;
  /** How someone unknown becomes known on the update's platform (its channel's `strangers`; default 'register'). */
  strangers?: Strangers;
}

export interface TurnResult {
  outputs: ChatOutput[];
  /** The place to keep; null when the person is in no flow. */
  state: FlowState | null;
  /** The language the turn ended in. */
  locale: Locale;
}

export interface ConversationEngine {
  turn(input: TurnInput): Promise<TurnResult>;
}
