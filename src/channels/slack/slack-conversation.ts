// What a flow says, drawn as Block Kit. Choices are buttons; a step that takes free text gets a
// button that opens a modal (typing in the DM works too). Slack has no reply keyboard: its labels
// become buttons that send the label as text, and contact/location requests are left out (no such
// thing in Slack). What /home says is published as the App Home.
import type { AckMark, ChatButton, ChatOutput, ChatTarget, ReplyKeyboard } from '../../ports/channel.js';
import { isLocale } from '../../domain/language.js';
import type { Locale } from '../../domain/types.js';
import { translator } from '../../i18n/index.js';
import { actionsBlock, escapeMrkdwn } from './blocks.js';
import type { Block, SlackApi, View } from './slack-api.js';

/** Button values of our own making (never a flow's data, which has no such prefix). */
export const KEYBOARD_PREFIX = 'kb:';
/** `fx:answer:<locale>`: opens the free-text modal in the person's language. */
export const ANSWER_VALUE = 'fx:answer';
export const FLOW_MODAL_CALLBACK = 'gl_flow';
/** The chat of a person's App Home: `home:<user>`. */
export const HOME_CHAT = 'home:';

/** `channel:ts` names a Slack message; channel ids and timestamps hold no ':'. */
export const messageRef = (channel: string, ts: string) => `${channel}:${ts}`;
function splitRef(ref: string): { channel: string; ts: string } | null {
  const [channel, ts] = ref.split(':');
  return channel && ts ? { channel, ts } : null;
}

/** How a person's message was taken, as the reaction Slack shows on it. */
export const ACK_REACTION: Record<AckMark, string> = { relayed: 'white_check_mark', noted: 'lock' };

/**
 * A response_url lives 30 minutes and takes 5 posts (Slack's rule); a minute is kept in hand
 * for the queue. Past either, the answer goes to the DM.
 */
export const RESPONSE_URL_TTL_MS = 29 * 60_000;
export const RESPONSE_URL_USES = 5;

/** The handle a slash command (or a press on its answer) is answered through: when it came, and its response_url. */
export const answerRefOf = (at: Date, responseUrl: string) => `${at.getTime()} ${responseUrl}`;

export function readAnswerRef(ref: string): { at: number; url: string } | null {
  const cut = ref.indexOf(' ');
  const at = Number(ref.slice(0, cut));
  const url = ref.slice(cut + 1);
  return cut > 0 && Number.isFinite(at) && /^https?:\/\//.test(url) ? { at, url } : null;
}

/** What the free-text modal carries back: the channel it was opened from, the reader's language, whom it was opened for. */
export interface ModalMeta {
  c: string;
  l: Locale;
  u: string;
}

/** The modal's metadata as we wrote it, or null when it is not (tampered, stale, someone else's shape). */
export function readModalMeta(raw: unknown): ModalMeta | null {
  if (typeof raw !== 'string' || !raw || raw.length > 500) return null;
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return null;
  }
  const m = v as Partial<ModalMeta> | null;
  if (!m || typeof m !== 'object' || typeof m.c !== 'string' || typeof m.u !== 'string' || !m.u || !isLocale(m.l)) return null;
  return { c: m.c, l: m.l, u: m.u };
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

const section = (text: string): Block => ({ type: 'section', text: { type: 'mrkdwn', text: escapeMrkdwn(text).slice(0, 3000) } });

export function outputBlocks(output: Extract<ChatOutput, { kind: 'message' }>): Block[] {
  const blocks: Block[] = [section(output.text)];
  if (output.buttons?.length) blocks.push(...buttonRows(output.buttons, 'fl'));
  const answer = output.expectsText;
  if (answer) blocks.push(actionsBlock([{ label: translator(answer.locale)('slack:flow.answer'), value: `${ANSWER_VALUE}:${answer.locale}`, actionId: 'fl_answer', style: 'primary' }]));
  if (output.keyboard && output.keyboard !== 'remove') blocks.push(...keyboardRows(output.keyboard));
  return blocks;
}

/** The modal a free-text step opens. */
export function answerModal(locale: Locale, channel: string | undefined, user: string): View {
  const tr = translator(locale);
  const meta: ModalMeta = { c: channel ?? '', l: locale, u: user };
  return {
    type: 'modal',
    callback_id: FLOW_MODAL_CALLBACK,
    private_metadata: JSON.stringify(meta),
    title: { type: 'plain_text', text: tr('slack:flow.answer_title').slice(0, 24) },
    submit: { type: 'plain_text', text: tr('slack:modal.submit').slice(0, 24) },
    close: { type: 'plain_text', text: tr('slack:modal.cancel').slice(0, 24) },
    blocks: [{ type: 'input', block_id: 'text', label: { type: 'plain_text', text: tr('slack:flow.answer_label') }, element: { type: 'plain_text_input', action_id: 'v', multiline: true, max_length: 3000 } }],
  };
}

/** Sends one ChatOutput to Slack. */
export async function deliverOutput(api: SlackApi, target: ChatTarget, output: ChatOutput): Promise<{ messageRef?: string }> {
  if (target.chatId.startsWith(HOME_CHAT)) {
    if (output.kind === 'message') await api.publishHome(target.userId, { type: 'home', blocks: output.text.split(/\n{2,}/).slice(0, 100).map(section) });
    return {};
  }
  switch (output.kind) {
    case 'message': {
      const posted = await api.post({ channel: target.chatId, text: output.text, blocks: outputBlocks(output) });
      return { messageRef: messageRef(posted.channel, posted.ts) };
    }
    case 'edit': {
      const at = splitRef(output.messageRef);
      // Slack needs the text to update a message; an edit that only drops buttons without it is skipped.
      if (!at || output.text === undefined) return {};
      await api.update({ channel: at.channel, ts: at.ts, text: output.text, blocks: outputBlocks({ kind: 'message', text: output.text, ...(output.buttons && !output.clearButtons ? { buttons: output.buttons } : {}) }) });
      return { messageRef: output.messageRef };
    }
    case 'answer': {
      const at = splitRef(output.callbackRef);
      if (output.text) await api.ephemeral({ channel: at?.channel ?? output.callbackRef, user: target.userId, text: output.text });
      return {};
    }
    case 'ack': {
      const at = splitRef(output.messageRef);
      if (at) await api.react(at.channel, at.ts, ACK_REACTION[output.mark]);
      return {};
    }
  }
}
