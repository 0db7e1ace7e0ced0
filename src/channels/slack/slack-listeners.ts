// Bolt listeners: each turns a Slack request — a DM, a reply in a card's thread, a button, a modal,
// `/grid …`, App Home opened — into chat updates, commits them to the inbox and acknowledges.
// The flows do the rest on the `chat` queue, as for Telegram. The one thing done here is opening
// the free-text modal: its trigger_id lapses after 3 seconds, too soon to wait for a queue.
import type { App } from '@slack/bolt';
import { cleanText } from '../../domain/clean-text.js';
import { isLocale } from '../../domain/language.js';
import type { Locale } from '../../domain/types.js';
import type { Logger } from '../../logger.js';
import { cleanChatUpdate, type ChatContent, type ChatUpdate } from '../../ports/chat-update.js';
import { ANSWER_VALUE, answerModal, answerRefOf, FLOW_MODAL_CALLBACK, HOME_CHAT, KEYBOARD_PREFIX, messageRef, readModalMeta } from './slack-conversation.js';
import { attachmentsOf, type SlackFileRef } from './slack-files.js';
import type { View } from './slack-api.js';
import type { BroadcastFormFields } from '../../ports/forms.js';
import { BROADCAST_MODAL_CALLBACK, broadcastModal, readBroadcastModal } from './broadcast-modal.js';
import { translator } from '../../i18n/index.js';

export interface ListenerDeps {
  /** Commits the updates to the inbox under `receiptId`: a retried delivery of one request adds nothing. */
  admit(updates: ChatUpdate[], receiptId: string): Promise<void>;
  openView(triggerId: string, view: View): Promise<void>;
  /** The /broadcast modal's choices for a Slack user; null: they send no notices (the DM flow answers them). */
  broadcastFields?(user: string): Promise<BroadcastFormFields | null>;
  now(): Date;
  defaultLocale: Locale;
  /** Whether a response_url may be posted to (Slack's own hooks host, or the stand-in's). */
  respondable(url: string): boolean;
  logger: Logger;
}

interface LooseMessage {
  subtype?: string;
  bot_id?: string;
  user?: string;
  text?: string;
  ts: string;
  thread_ts?: string;
  channel: string;
  channel_type?: string;
  files?: SlackFileRef[];
  message?: LooseMessage;
}

/** `/grid` words that name a flow command otherwise (`/grid` alone is help). */
const COMMAND_ALIASES: Record<string, string> = { '': 'help' };

export function registerListeners(app: App, deps: ListenerDeps): void {
  // In Slack the person's id is the chat: the DM, a card's thread and a slash command meet in one conversation.
  const base = (id: string, user: string) => ({ eventId: `slack:chat:${id}`, platform: 'slack' as const, updateId: id, at: deps.now().toISOString(), chatType: 'private' as const, userId: user, chatId: user });
  const admit = (updates: ChatUpdate[], receiptId: string) => deps.admit(updates.map(cleanChatUpdate), receiptId);

  app.event('message', async ({ event, body }) => {
    const e = event as unknown as LooseMessage;
    const eventId = (body as { event_id?: string }).event_id ?? `${e.channel}-${e.ts}`;
    const edited = e.subtype === 'message_changed';
    const m = edited ? e.message : e;
    // Only what a person typed or shared; the bot's own posts and service messages are not replies.
    if (!m || m.bot_id || !m.user || (m.subtype && m.subtype !== 'file_share' && !edited)) return;
    // In a channel only a thread reply can concern us (a card's thread); the rest is chatter.
    const thread = m.thread_ts && m.thread_ts !== m.ts ? m.thread_ts : undefined;
    if (e.channel_type !== 'im' && !thread) return;
    const id = `${e.channel}-${m.ts}${edited ? '-e' : ''}`;
    // A reply in a message's thread is Slack's reply-to: it answers the matter that message was about.
    const common = {
      messageRef: messageRef(e.channel, m.ts),
      ...(thread ? { replyToRef: messageRef(e.channel, thread), ...(e.channel_type !== 'im' ? { replyToChat: e.channel } : {}) } : {}),
    };
    const contents: ChatContent[] = edited ? [{ kind: 'edited', text: m.text ?? '' }] : fileContents(m);
    const updates = contents.map((content, i): ChatUpdate => ({ ...base(contents.length > 1 ? `${id}-${i}` : id, m.user!), ...common, content }));
    await admit(updates, `slack:event:${eventId}`);
  });

  app.event('app_home_opened', async ({ event, body }) => {
    if (event.tab !== 'home') return;
    const eventId = (body as { event_id?: string }).event_id ?? `${event.user}-${event.event_ts}`;
    // The App Home shows what /home says; its own chat keeps it apart from a flow in the DM.
    await admit([{ ...base(`home-${eventId}`, event.user), chatId: `${HOME_CHAT}${event.user}`, content: { kind: 'command', command: 'home', args: '' } }], `slack:event:${eventId}`);
  });

  app.action(/.*/, async ({ ack, body, action }) => {
    if (body.type !== 'block_actions') return ack();
    const a = action as { action_id: string; action_ts?: string; block_id?: string; value?: string; selected_option?: { value: string } };
    const b = body as {
      user?: { id?: string };
      trigger_id?: string;
      channel?: { id: string };
      message?: { ts: string; text?: string };
      container?: { is_ephemeral?: boolean };
      response_url?: string;
    };
    const user = b.user?.id;
    if (!user) {
      deps.logger.warn({ kind: 'block_actions' }, 'slack: a press without a user; refused');
      return ack();
    }
    // Forgeable: the flows check every press again.
    const value = cleanText(a.value ?? a.selected_option?.value ?? '').text;
    const channel = b.channel?.id;
    if (value.startsWith(ANSWER_VALUE) && b.trigger_id) {
      await ack();
      const asked = value.slice(ANSWER_VALUE.length + 1);
      try {
        await deps.openView(b.trigger_id, answerModal(isLocale(asked) ? asked : deps.defaultLocale, channel, user));
      } catch (err) {
        // The trigger lapsed (3 s) or Slack refused: the person presses again; nothing of ours is wrong.
        deps.logger.warn({ err: { name: (err as Error).name, message: (err as Error).message } }, 'slack: the answer modal could not be opened');
      }
      return;
    }
    const id = `${user}-${a.action_ts ?? b.trigger_id ?? deps.now().getTime()}`.replace(/[^\w.-]/g, '-').slice(0, 200);
    const where = channel && b.message?.ts ? messageRef(channel, b.message.ts) : undefined;
    // A matter card is redrawn from the store after every action: the flows do not edit it.
    const card = a.block_id?.startsWith('card_');
    const content: ChatContent = value.startsWith(KEYBOARD_PREFIX)
      ? { kind: 'text', text: value.slice(KEYBOARD_PREFIX.length) }
      : { kind: 'callback', data: value, callbackRef: where ?? channel ?? user, ...(b.message?.text && !card ? { messageText: b.message.text } : {}) };
    // A press on an answer shown only to this person (an ephemeral reply to /grid) is answered there too.
    const answerRef = b.container?.is_ephemeral && b.response_url && deps.respondable(b.response_url) ? answerRefOf(deps.now(), b.response_url) : undefined;
    await admit([{ ...base(id, user), ...(where && !card ? { messageRef: where } : {}), ...(answerRef ? { answerRef } : {}), content }], `slack:action:${id}`);
    await ack();
  });

  // Every modal submission is answered at once: our own modal is checked (its metadata is ours,
  // echoed by Slack, so anything off means a forgery or a stale form) and anything else refused
  // in the modal, never left to Bolt's 3-second timeout.
  app.view({ type: 'view_submission', callback_id: /.*/ }, async ({ ack, body, view }) => {
    const user = (body as { user?: { id?: string } }).user?.id;
    const meta = readModalMeta(view.private_metadata);
    const locale = meta?.l ?? deps.defaultLocale;
    const refuse = async (why: string) => {
      deps.logger.warn({ callbackId: String(view.callback_id ?? '').slice(0, 64), why }, 'slack: a modal submission was refused');
      // An error must name one of the view's input blocks; a view with none is closed instead.
      const block = Object.keys(view.state?.values ?? {})[0];
      await ack(block ? { response_action: 'errors', errors: { [block]: translator(locale)('slack:refuse.stale_form') } } : { response_action: 'clear' });
    };
    if (view.callback_id === BROADCAST_MODAL_CALLBACK && user && meta && meta.u === user) {
      const read = readBroadcastModal(view.state?.values as never, locale);
      if (!read.ok) {
        await ack({ response_action: 'errors', errors: read.errors });
        return;
      }
      const viewId = String(view.id ?? '').replace(/[^\w.-]/g, '-').slice(0, 64) || `${deps.now().getTime()}`;
      await admit([{ ...base(`view-${viewId}`, user), content: { kind: 'form', form: 'broadcast', values: read.values } }], `slack:view:${viewId}`);
      await ack();
      return;
    }
    if (view.callback_id !== FLOW_MODAL_CALLBACK) return refuse('unknown_view');
    if (!user || !meta) return refuse('bad_metadata');
    if (meta.u !== user) return refuse('other_user');
    const values = view.state?.values?.text;
    const input = values && typeof values === 'object' ? (Object.values(values)[0] as { value?: unknown } | undefined) : undefined;
    // Cleaned before the check: a field with nothing visible is as empty as a blank one.
    const text = cleanText(typeof input?.value === 'string' ? input.value : '').text;
    if (!text.trim()) {
      await ack({ response_action: 'errors', errors: { text: translator(locale)('slack:refuse.empty') } });
      return;
    }
    const viewId = String(view.id ?? '').replace(/[^\w.-]/g, '-').slice(0, 64) || `${deps.now().getTime()}`;
    await admit([{ ...base(`view-${viewId}`, user), content: { kind: 'text', text } }], `slack:view:${viewId}`);
    await ack();
  });
  app.view({ type: 'view_closed', callback_id: /.*/ }, async ({ ack }) => ack());
  // The app offers no shortcuts and no external selects: such a request is answered, and nothing follows.
  app.shortcut(/.*/, async ({ ack }) => ack());
  app.options(/.*/, async ({ ack }) => ack({ options: [] }));

  app.command('/grid', async ({ ack, command }) => {
    const [word = '', ...args] = (command.text ?? '').trim().split(/\s+/);
    const name = COMMAND_ALIASES[word.toLowerCase()] ?? word.toLowerCase();
    // Typed in a channel: answered there, to this person only (response_url). In the DM, the DM is the answer's place.
    const inChannel = Boolean(command.channel_id) && !command.channel_id.startsWith('D');
    const answerRef = inChannel && command.response_url && deps.respondable(command.response_url) ? answerRefOf(deps.now(), command.response_url) : undefined;
    const id = String(command.trigger_id ?? deps.now().getTime()).replace(/[^\w.-]/g, '-').slice(0, 200);
    // `/grid broadcast` opens the notice's modal for a cadre (the trigger lapses in 3 s: opened here).
    if (name === 'broadcast' && !args.length && command.trigger_id && deps.broadcastFields) {
      const fields = await deps.broadcastFields(command.user_id).catch(() => null);
      if (fields) {
        await ack();
        try {
          await deps.openView(command.trigger_id, broadcastModal(fields, command.user_id));
          return;
        } catch (err) {
          // Slack refused or the trigger lapsed: the same notice is composed in the DM instead.
          deps.logger.warn({ err: { name: (err as Error).name, message: (err as Error).message } }, 'slack: the broadcast modal could not be opened; the DM flow instead');
          await admit([{ ...base(`cmd-${id}`, command.user_id), content: { kind: 'command', command: 'broadcast', args: '' } }], `slack:command:${id}`);
          return;
        }
      }
    }
    await admit([{ ...base(`cmd-${id}`, command.user_id), ...(answerRef ? { answerRef } : {}), content: { kind: 'command', command: name.slice(0, 64), args: args.join(' ') } }], `slack:command:${id}`);
    await ack();
  });
}

/** A message's text, or its files (several are an album: one update per file, the text on the first). */
export function fileContents(m: LooseMessage): ChatContent[] {
  const files = attachmentsOf(m.files);
  if (!files.length) return [{ kind: 'text', text: m.text ?? '' }];
  return files.map((attachment, i): ChatContent => {
    const caption = i === 0 && m.text ? m.text : undefined;
    const group = files.length > 1 ? m.ts : undefined;
    if (attachment.kind === 'photo') return { kind: 'photo', attachment, caption, mediaGroupId: group };
    if (attachment.kind === 'voice') return { kind: 'voice', attachment };
    return { kind: 'file', attachment, caption, mediaGroupId: group };
  });
}
