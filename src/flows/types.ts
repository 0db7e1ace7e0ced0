// The shape of a conversation, written once for every channel. A flow is a set of named steps;
// each step says what to ask (a locale key), what answer it expects, how to check it, and where
// to go next. Where a person stands is kept in the store (flow_states), so a restart resumes it.
import type { AckMark, Strangers } from '../ports/channel.js';
import type { ChatUpdate } from '../ports/chat-update.js';
import type { Attachment, Locale } from '../domain/types.js';
import type { ServiceContext } from '../ports/context.js';
import type { FlowData } from '../services/conversation.js';
import type { MenuItem } from '../services/main-menu.js';
import type { Sender } from '../services/directory-service.js';

export type { FlowData, FlowState } from '../services/conversation.js';

/** Text from `locales/`: a key such as `flows:register.done` and its parameters. */
export interface LocaleText {
  key: string;
  params?: Record<string, unknown>;
}

/** Something to say: locale text, or text already put together in the person's language. */
export type Say = LocaleText | { text: string };

/** One option of a choice. `value` travels in button data: short, and checked again when pressed. */
export interface Choice {
  value: string;
  label: Say;
}

/** The kinds of answer a step may accept besides a choice. */
export type InputKind = 'text' | 'photo' | 'voice' | 'file' | 'location' | 'contact' | 'edited';

export interface Expect<D extends FlowData = FlowData> {
  /** Options shown as buttons; pressing one (or typing its label) gives `{ kind: 'choice' }`. */
  choices?: (c: FlowContext<D>) => Choice[] | Promise<Choice[]>;
  /** Buttons per row; by default chosen from the label lengths. */
  columns?: number;
  /** Other answers taken at this step. */
  accepts?: readonly InputKind[];
  /** Offers a button that shares the person's contact or location (a reply keyboard). */
  request?: 'contact' | 'location';
  /** Offers a "skip" button; pressing it gives `{ kind: 'skip' }`. */
  skippable?: boolean;
  /** Longest text taken (default 1000 characters). */
  maxChars?: number;
  /**
   * Text is taken too, but the buttons answer the step (figures for a period: typed days are a
   * shortcut). A platform need not move the conversation to where the person can type.
   */
  textOptional?: boolean;
}

export type FlowInput =
  | { kind: 'choice'; value: string }
  | { kind: 'text'; text: string }
  | { kind: 'photo' | 'voice' | 'file'; attachment: Attachment; caption?: string; mediaGroupId?: string }
  | { kind: 'location'; latitude: number; longitude: number }
  | { kind: 'contact'; phone: string; own: boolean }
  | { kind: 'edited'; messageRef: string; text: string }
  | { kind: 'skip' };

export interface Step<D extends FlowData = FlowData> {
  /** What to ask; several items become several lines of one message. */
  prompt: (c: FlowContext<D>) => Say | Say[] | Promise<Say | Say[]>;
  expect: Expect<D>;
  /** Returns what is wrong with the answer (said, then the step is asked again), or null. */
  validate?: (input: FlowInput, c: FlowContext<D>) => Say | null | Promise<Say | null>;
  next: (input: FlowInput, c: FlowContext<D>) => Next | Promise<Next>;
  /** Minutes before an unanswered step lapses; defaults to the flow's. */
  timeoutMinutes?: number;
}

export interface Flow<D extends FlowData = FlowData> {
  readonly name: string;
  readonly first: string;
  readonly steps: Readonly<Record<string, Step<D>>>;
  /** Minutes a person may leave a step unanswered (default 60); later, the flow is dropped. */
  readonly timeoutMinutes?: number;
}

/** Where a step (or a command, a menu item, a button) leads. Built with the helpers in next.ts. */
export type Next =
  | { to: 'step'; step: string; data?: FlowData; say?: Say[] }
  /** Stays on the step: asks again unless `quiet` (an album's later photos need no new prompt). */
  | { to: 'stay'; data?: FlowData; say?: Say[]; quiet?: boolean }
  /** Ends the flow; `menu` shows the main menu with the last message; `ack` marks the person's message as taken. */
  | { to: 'done'; say?: Say[]; menu?: boolean; ack?: AckMark }
  /** Starts a flow, at `step` when given (a button that opens a matter's detail), else at its first. */
  | { to: 'flow'; flow: string; step?: string; data?: FlowData; say?: Say[] };

/** The registered person behind an update, with every role they hold. */
export type { Sender } from '../services/directory-service.js';

export interface FlowContext<D extends FlowData = FlowData> {
  /** The service context; its `db` is the open transaction of this turn. */
  svc: ServiceContext;
  db: ServiceContext['db'];
  now: Date;
  update: ChatUpdate;
  /** How someone unknown becomes known on this update's platform (its channel says): register, or link an account. */
  strangers: Strangers;
  /** Null until the person registers. */
  sender: Sender | null;
  locale: Locale;
  /** The flow's data so far (empty outside a flow). */
  data: D;
  /** Switches the language for everything said from now on in this turn (and kept in the flow state). */
  setLocale(locale: Locale): void;
  /** Looks the sender up again (after registering them). */
  refreshSender(): Promise<Sender | null>;
  t(key: string, params?: Record<string, unknown>): string;
}

/** A command, a menu item or anything else that starts from no particular step. */
export type Entry = (c: FlowContext) => Next | Promise<Next>;
// An entry returning `stay` leaves the person's current flow as it is and asks its step again
// (/help in the middle of registering); `done` ends it; `flow` replaces it.

/**
 * A button whose data does not belong to a flow step (e.g. `m:…` on a matter card). The handler
 * must authorise the press itself: button data is forgeable.
 */
export type CallbackHandler = (data: string, c: FlowContext) => Promise<{ notice?: Say; next?: Next; edit?: PressedEdit }>;

/** A form filled in a platform's own dialog (`form` content); it must check every value itself. */
export type FormHandler = (values: Readonly<Record<string, string>>, c: FlowContext) => Next | Promise<Next>;

/** A change to the message whose button was pressed (a card marked as taken, its buttons renewed). */
export interface PressedEdit {
  /** Already in the reader's language. */
  text?: string;
  buttons?: Array<Array<{ label: string; data: string }>>;
  clearButtons?: boolean;
}

export { MENU_ITEMS, type MenuItem } from '../services/main-menu.js';

/** What a feature adds to the conversation: its flows and the ways in. */
export interface FlowModule {
  flows?: Flow<any>[];
  /** `/name` → entry. Groups get commands too: check `c.update.chatType` where it matters. */
  commands?: Record<string, Entry>;
  /** Main-menu items this module answers (registered people only). */
  menu?: Partial<Record<MenuItem, Entry>>;
  /** A platform dialog's form name → handler (Slack's /grid broadcast modal). */
  forms?: Record<string, FormHandler>;
  /** Button data prefix (the text before the first ':') → handler. `f` is the engine's own. */
  callbacks?: Record<string, CallbackHandler>;
  /** A private message outside any flow, from a registered person. */
  idle?: Entry;
  /** Any private message (or menu tap) from someone not registered yet. */
  stranger?: Entry;
  /** An edit of an earlier message, outside any flow, from a registered person (a report already filed). */
  edited?: Entry;
}
// Modules are applied in order: a later module's command, menu item, callback, idle or stranger
// replaces an earlier one's (the core module gives defaults; the report module takes over 'report').

