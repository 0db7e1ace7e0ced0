// The flows (src/flows) in Slack: a DM, a flow button, a `/grid <command>` or a free-text modal
// becomes a ChatUpdate for the `chat` queue; what the flow says comes back as ChatOutputs, drawn
// here as Block Kit. Choices are buttons; a step that takes free text gets a button that opens a
// modal (typing in the DM works too). Slack has no reply keyboard: its labels become buttons that
// send the label as text, and contact/location requests are left out (no such thing in Slack).
import type { ChatButton, ChatOutput, ChatTarget, ReplyKeyboard } from '../../ports/channel.js';
import { cleanChatUpdate, type ChatContent, type ChatUpdate } from '../chat-update.js';
import type { FlowEngine } from '../../flows/index.js';
import { translator } from '../../i18n/index.js';
import type { ServiceContext } from '../../services/context.js';
import { admitInbound, chatInboxItem } from '../../services/inbox-service.js';
import { loadFlowState } from '../../store/repositories/flow-repository.js';
import { actionsBlock, escapeMrkdwn } from './blocks.js';
import type { Block, SlackApi, View } from './slack-api.js';
import type { SlackJob } from './slack-job.js';
import { attachmentsOf } from './slack-files.js';

/** Button values of our own making (never a flow's data, which has no such prefix). */
export const KEYBOARD_PREFIX = 'kb:';
export const ANSWER_VALUE = 'fx:answer';
export const FLOW_MODAL_CALLBACK = 'gl_flow';

/** `/grid` subcommands gridline's Slack side answers itself; other words go to the flows. */
export const OWN_COMMANDS = new Set(['status', 'mine', 'stats', 'link', 'help', '']);

/** `channel:ts` names a Slack message; channel ids and timestamps hold no ':'. */
export const messageRef = (channel: string, ts: string) => `${channel}:${ts}`;
function splitRef(ref: string): { channel: string; ts: string } | null {
  const [channel, ts] = ref.split(':');
  return channel && ts ? { channel, ts } : null;
}

/** One Slack job as chat updates (a message with several files is an album: one per file). */
export function toChatUpdates(job: SlackJob, now: Date): ChatUpdate[] {
  return readJob(job, now).map(cleanChatUpdate);
}

function readJob(job: SlackJob, now: Date): ChatUpdate[] {
  // In a DM the person's id is the chat: flows started from a slash command and from the DM meet.
  const base = (id: string) => ({ eventId: `slack:chat:${id}`, platform: 'slack' as const, updateId: id, at: now.toISOString(), chatType: 'private' as const });
  switch (job.kind) {
    case 'message': {
      const id = `${job.channel}-${job.ts}${job.edited ? '-e' : ''}`;
      // A reply in a message's thread is Slack's reply-to: it answers the matter that message was about.
      const common = { userId: job.user, chatId: job.user, messageRef: messageRef(job.channel, job.ts), ...(job.threadTs ? { replyToRef: messageRef(job.channel, job.threadTs) } : {}) };
      if (job.edited) return [{ ...base(id), ...common, content: { kind: 'edited', text: job.text } }];
      const files = attachmentsOf(job.files);
      if (!files.length) return [{ ...base(id), ...common, content: { kind: 'text', text: job.text } }];
      return files.map((attachment, i): ChatUpdate => {
        const caption = i === 0 && job.text ? job.text : undefined;
        const group = files.length > 1 ? job.ts : undefined;
        const content: ChatContent =
          attachment.kind === 'photo'
            ? { kind: 'photo', attachment, caption, mediaGroupId: group }
            : attachment.kind === 'voice'
              ? { kind: 'voice', attachment }
              : { kind: 'file', attachment, caption, mediaGroupId: group };
        return { ...base(`${id}-${i}`), ...common, content };
      });
    }
    case 'action': {
      const id = job.eventId.replace(/^slack:action:/, '').replace(/[^\w.-]/g, '-');
      const where = job.channel && job.messageTs ? messageRef(job.channel, job.messageTs) : undefined;
      const common = { userId: job.user, chatId: job.user, ...(where ? { messageRef: where } : {}) };
      if (job.value.startsWith(KEYBOARD_PREFIX)) return [{ ...base(id), ...common, content: { kind: 'text', text: job.value.slice(KEYBOARD_PREFIX.length) } }];
      return [{ ...base(id), ...common, content: { kind: 'callback', data: job.value, callbackRef: where ?? job.channel ?? job.user, ...(job.messageText ? { messageText: job.messageText } : {}) } }];
    }
    case 'command': {
      const [command = '', ...args] = job.text.trim().split(/\s+/);
      return [{ ...base(job.eventId.replace(/^slack:command:/, 'cmd-')), userId: job.user, chatId: job.user, content: { kind: 'command', command: command.toLowerCase(), args: args.join(' ') } }];
    }
    case 'submit':
      return [{ ...base(job.eventId.replace(/^slack:view:/, 'view-')), userId: job.user, chatId: job.user, content: { kind: 'text', text: job.values.text ?? '' } }];
    default:
      return [];
  }
}

/** Writes the updates for the `chat` worker; the flow engine handles each once (by eventId). */
export async function submitToFlows(ctx: ServiceContext, updates: ChatUpdate[]): Promise<void> {
  if (!updates.length) return;
  // Through the inbox: a Redis that loses the `chat` job loses nothing the person said.
  await admitInbound(ctx, updates.map((u) => chatInboxItem(u, u.eventId)));
}

/** Whether the person's current flow step takes free text (then a modal is offered). */
export async function expectsText(ctx: ServiceContext, engine: FlowEngine, userId: string): Promise<boolean> {
  const state = await loadFlowState(ctx.db, 'slack', userId);
  if (!state || (state.expiresAt && state.expiresAt <= ctx.now())) return false;
  const step = engine.flows.get(state.flow)?.steps[state.stepName];
  return Boolean(step?.expect.accepts?.includes('text'));
}

/** Rows of buttons as actions blocks; `prefix` keeps action ids unique within the message. */
function buttonRows(rows: ChatButton[][], prefix: string): Block[] {
  return rows
    .filter((r) => r.length)
    .slice(0, 20)
    .map((r, i) => actionsBlock(r.map((b, j) => ({ label: b.label, value: b.data, actionId: `${prefix}_${i}_${j}` }))));
}

function keyboardRows(k: ReplyKeyboard): Block[] {
  const rows = k.rows.map((r) => r.filter((b) => !b.request).map((b) => ({ label: b.label, data: `${KEYBOARD_PREFIX}${b.label}` })));
  return buttonRows(rows, 'kb');
}

export function outputBlocks(output: Extract<ChatOutput, { kind: 'message' }>, opts: { locale: string; answerButton: boolean }): Block[] {
  const blocks: Block[] = [{ type: 'section', text: { type: 'mrkdwn', text: escapeMrkdwn(output.text).slice(0, 3000) } }];
  if (output.buttons?.length) blocks.push(...buttonRows(output.buttons, 'fl'));
  else if (opts.answerButton) blocks.push(actionsBlock([{ label: translator(opts.locale)('slack:flow.answer'), value: ANSWER_VALUE, actionId: 'fl_answer', style: 'primary' }]));
  if (output.keyboard && output.keyboard !== 'remove') blocks.push(...keyboardRows(output.keyboard));
  return blocks;
}

/** The modal a free-text step opens. */
export function answerModal(locale: string, channel: string | undefined): View {
  const tr = translator(locale);
  return {
    type: 'modal',
    callback_id: FLOW_MODAL_CALLBACK,
    private_metadata: JSON.stringify({ c: channel ?? '' }),
    title: { type: 'plain_text', text: tr('slack:flow.answer_title').slice(0, 24) },
    submit: { type: 'plain_text', text: tr('slack:modal.submit').slice(0, 24) },
    close: { type: 'plain_text', text: tr('slack:modal.cancel').slice(0, 24) },
    blocks: [{ type: 'input', block_id: 'text', label: { type: 'plain_text', text: tr('slack:flow.answer_label') }, element: { type: 'plain_text_input', action_id: 'v', multiline: true, max_length: 3000 } }],
  };
}

/** Sends one ChatOutput to Slack. */
export async function deliverOutput(
  api: SlackApi,
  target: ChatTarget,
  output: ChatOutput,
  opts: { locale: string; answerButton: () => Promise<boolean> },
): Promise<{ messageRef?: string }> {
  switch (output.kind) {
    case 'message': {
      const blocks = outputBlocks(output, { locale: opts.locale, answerButton: !output.buttons?.length && (await opts.answerButton()) });
      const posted = await api.post({ channel: target.chatId, text: output.text, blocks });
      return { messageRef: messageRef(posted.channel, posted.ts) };
    }
    case 'edit': {
      const at = splitRef(output.messageRef);
      // Slack needs the text to update a message; an edit that only drops buttons without it is skipped.
      if (!at || output.text === undefined) return {};
      const blocks = outputBlocks({ kind: 'message', text: output.text, ...(output.buttons && !output.clearButtons ? { buttons: output.buttons } : {}) }, { locale: opts.locale, answerButton: false });
      await api.update({ channel: at.channel, ts: at.ts, text: output.text, blocks });
      return { messageRef: output.messageRef };
    }
    case 'answer': {
      const at = splitRef(output.callbackRef);
      if (output.text && at) await api.ephemeral({ channel: at.channel, user: target.userId, text: output.text });
      return {};
    }
  }
}
