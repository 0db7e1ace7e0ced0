// What a flow says, drawn as Block Kit. Choices are buttons; a step that takes free text gets a
// button that opens a modal (typing in the DM works too). Slack has no reply keyboard: its labels
// become buttons that send the label as text, and contact/location requests are left out (no such
// thing in Slack). What /home says is published as the App Home.
import type { ChatButton, ChatOutput, ChatTarget, ReplyKeyboard } from '../../ports/channel.js';
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
export function answerModal(locale: string, channel: string | undefined): View {
  const tr = translator(locale);
  return {
    type: 'modal',
    callback_id: FLOW_MODAL_CALLBACK,
    private_metadata: JSON.stringify({ c: channel ?? '', l: locale }),
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
  }
}
