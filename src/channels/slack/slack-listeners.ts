// Bolt listeners: each turns a Slack request — a DM, a reply in a card's thread, a button, a modal,
// `/grid …`, App Home opened — into chat updates, commits them to the inbox and acknowledges.
// The flows do the rest on the `chat` queue, as for Telegram. The one thing done here is opening
// the free-text modal: its trigger_id lapses after 3 seconds, too soon to wait for a queue.
import type { App } from '@slack/bolt';
import { cleanText } from '../../domain/clean-text.js';
import type { Locale } from '../../domain/types.js';
import { cleanChatUpdate, type ChatContent, type ChatUpdate } from '../../ports/chat-update.js';
import { ANSWER_VALUE, answerModal, FLOW_MODAL_CALLBACK, HOME_CHAT, KEYBOARD_PREFIX, messageRef } from './slack-conversation.js';
import { attachmentsOf, type SlackFileRef } from './slack-files.js';
import type { View } from './slack-api.js';
import { translator } from '../../i18n/index.js';

export interface ListenerDeps {
  /** Commits the updates to the inbox under `receiptId`: a retried delivery of one request adds nothing. */
  admit(updates: ChatUpdate[], receiptId: string): Promise<void>;
  openView(triggerId: string, view: View): Promise<void>;
  now(): Date;
  defaultLocale: Locale;
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
      user: { id: string };
      trigger_id?: string;
      channel?: { id: string };
      message?: { ts: string; text?: string };
    };
    // Forgeable: the flows check every press again.
    const value = cleanText(a.value ?? a.selected_option?.value ?? '').text;
    const channel = b.channel?.id;
    if (value.startsWith(ANSWER_VALUE) && b.trigger_id) {
      await ack();
      await deps.openView(b.trigger_id, answerModal(value.slice(ANSWER_VALUE.length + 1) || deps.defaultLocale, channel));
      return;
    }
    const id = `${b.user.id}-${a.action_ts ?? b.trigger_id ?? deps.now().getTime()}`.replace(/[^\w.-]/g, '-');
    const where = channel && b.message?.ts ? messageRef(channel, b.message.ts) : undefined;
    // A matter card is redrawn from the store after every action: the flows do not edit it.
    const card = a.block_id?.startsWith('card_');
    const content: ChatContent = value.startsWith(KEYBOARD_PREFIX)
      ? { kind: 'text', text: value.slice(KEYBOARD_PREFIX.length) }
      : { kind: 'callback', data: value, callbackRef: where ?? channel ?? b.user.id, ...(b.message?.text && !card ? { messageText: b.message.text } : {}) };
    await admit([{ ...base(id, b.user.id), ...(where && !card ? { messageRef: where } : {}), content }], `slack:action:${id}`);
    await ack();
  });

  app.view({ type: 'view_submission', callback_id: FLOW_MODAL_CALLBACK }, async ({ ack, body, view }) => {
    const input = view.state.values.text ? (Object.values(view.state.values.text)[0] as { value?: string | null }) : undefined;
    // Cleaned before the check: a field with nothing visible is as empty as a blank one.
    const text = cleanText(input?.value ?? '').text;
    if (!text.trim()) {
      const locale = (JSON.parse(view.private_metadata || '{}') as { l?: string }).l ?? deps.defaultLocale;
      await ack({ response_action: 'errors', errors: { text: translator(locale)('slack:refuse.empty') } });
      return;
    }
    await admit([{ ...base(`view-${view.id}`, body.user.id), content: { kind: 'text', text } }], `slack:view:${view.id}`);
    await ack();
  });

  app.command('/grid', async ({ ack, command }) => {
    const [word = '', ...args] = (command.text ?? '').trim().split(/\s+/);
    const name = COMMAND_ALIASES[word.toLowerCase()] ?? word.toLowerCase();
    await admit([{ ...base(`cmd-${command.trigger_id}`, command.user_id), content: { kind: 'command', command: name, args: args.join(' ') } }], `slack:command:${command.trigger_id}`);
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
