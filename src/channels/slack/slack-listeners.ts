// Bolt listeners: each turns a Slack request into a SlackJob, writes it to the outbox and
// acknowledges. Nothing slow happens here, so Slack gets its answer well within 3 seconds. The one
// exception is opening a modal: its trigger_id lapses after 3 seconds, too soon to wait for a queue.
import type { App } from '@slack/bolt';
import { cleanText } from '../../domain/clean-text.js';
import { parseActionData } from '../../services/matter-actions.js';
import { isModalAction, MODAL_ACTIONS, MODAL_CALLBACK, type ModalMeta } from './blocks.js';
import { ANSWER_VALUE, FLOW_MODAL_CALLBACK } from './slack-conversation.js';
import type { SlackFileRef, SlackJob } from './slack-job.js';

export interface ListenerDeps {
  /** Writes the job to the outbox; `receiptId` makes a retried delivery of the same event a no-op. */
  enqueue(job: SlackJob, receiptId?: string): Promise<boolean>;
  /** Checks the presser may do it and opens the modal, or tells them why not. */
  openModal(a: { user: string; triggerId: string; action: ModalMeta['a']; ref: string; channel?: string; threadTs?: string }): Promise<void>;
  /** Opens the free-text modal of a flow step. */
  openAnswerModal(a: { user: string; triggerId: string; channel?: string }): Promise<void>;
  /** Whether a matter button's action is left to the flows (then no modal opens here). */
  delegates(action: string): boolean;
  /** Text of a modal's validation error for this Slack user (their language). */
  emptyText(user: string): Promise<string>;
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
  files?: Array<{ id: string; name?: string; mimetype?: string; size?: number }>;
  message?: LooseMessage;
}

const files = (list: LooseMessage['files']): SlackFileRef[] | undefined =>
  list?.length ? list.map((f) => ({ id: f.id, ...(f.name ? { name: f.name } : {}), ...(f.mimetype ? { mimetype: f.mimetype } : {}), ...(f.size ? { size: f.size } : {}) })) : undefined;

export function registerListeners(app: App, deps: ListenerDeps): void {
  app.event('message', async ({ event, body }) => {
    const e = event as unknown as LooseMessage;
    const eventId = (body as { event_id?: string }).event_id ?? `${e.channel}-${e.ts}`;
    const edited = e.subtype === 'message_changed';
    const m = edited ? e.message : e;
    // Only what a person typed or shared; the bot's own posts and service messages are not replies.
    if (!m || m.bot_id || !m.user || (m.subtype && m.subtype !== 'file_share' && !edited)) return;
    // In a channel only a thread reply can concern us (a card's thread); the rest is chatter.
    if (e.channel_type !== 'im' && !m.thread_ts) return;
    await deps.enqueue(
      {
        kind: 'message',
        eventId: `slack:event:${eventId}:act`,
        user: m.user,
        channel: e.channel,
        channelType: e.channel_type ?? '',
        ts: m.ts,
        ...(m.thread_ts && m.thread_ts !== m.ts ? { threadTs: m.thread_ts } : {}),
        text: m.text ?? '',
        ...(files(m.files) ? { files: files(m.files) } : {}),
        ...(edited ? { edited: true } : {}),
      },
      `slack:event:${eventId}`,
    );
  });

  app.event('app_home_opened', async ({ event, body }) => {
    if (event.tab !== 'home') return;
    const eventId = (body as { event_id?: string }).event_id ?? `${event.user}-${event.event_ts}`;
    await deps.enqueue({ kind: 'home', eventId: `slack:event:${eventId}:act`, user: event.user }, `slack:event:${eventId}`);
  });

  app.action(/.*/, async ({ ack, body, action }) => {
    if (body.type !== 'block_actions') return ack();
    const a = action as { action_id: string; action_ts?: string; value?: string; selected_option?: { value: string } };
    const b = body as {
      user: { id: string };
      trigger_id?: string;
      channel?: { id: string };
      container?: { message_ts?: string; thread_ts?: string };
      message?: { ts: string; thread_ts?: string; text?: string };
      response_url?: string;
    };
    // Forgeable, and read before the job is queued (a modal opens at once): cleaned here.
    const value = cleanText(a.value ?? a.selected_option?.value ?? '').text;
    const channel = b.channel?.id;
    const threadTs = b.message?.thread_ts ?? b.container?.thread_ts;
    const data = parseActionData(value);
    if (value === ANSWER_VALUE && b.trigger_id) {
      await ack();
      await deps.openAnswerModal({ user: b.user.id, triggerId: b.trigger_id, channel });
      return;
    }
    if (data && isModalAction(data.action) && !deps.delegates(data.action) && b.trigger_id) {
      await ack();
      await deps.openModal({ user: b.user.id, triggerId: b.trigger_id, action: data.action, ref: data.ref, channel, threadTs });
      return;
    }
    await deps.enqueue({
      kind: 'action',
      eventId: `slack:action:${b.user.id}:${a.action_ts ?? b.trigger_id ?? Date.now()}`,
      user: b.user.id,
      actionId: a.action_id,
      value,
      ...(channel ? { channel } : {}),
      ...(b.message?.ts ? { messageTs: b.message.ts } : {}),
      ...(threadTs ? { threadTs } : {}),
      ...(b.response_url ? { responseUrl: b.response_url } : {}),
      ...(b.message?.text ? { messageText: b.message.text } : {}),
    });
    await ack();
  });

  app.view({ type: 'view_submission', callback_id: new RegExp(`^(${MODAL_CALLBACK}|${FLOW_MODAL_CALLBACK})$`) }, async ({ ack, body, view }) => {
    const values: Record<string, string> = {};
    for (const [blockId, inputs] of Object.entries(view.state.values)) {
      const input = Object.values(inputs)[0] as { value?: string | null; selected_option?: { value: string } | null; selected_options?: Array<{ value: string }> } | undefined;
      const v = input?.selected_options?.map((o) => o.value).join(',') ?? input?.selected_option?.value ?? input?.value ?? '';
      // Cleaned before the check below: a field with nothing visible is as empty as a blank one.
      const clean = cleanText(v).text;
      if (clean) values[cleanText(blockId).text] = clean;
    }
    let meta: ModalMeta | null = null;
    try {
      meta = JSON.parse(view.private_metadata) as ModalMeta;
    } catch {
      meta = null;
    }
    const flow = view.callback_id === FLOW_MODAL_CALLBACK;
    const needsText = flow || (meta && (MODAL_ACTIONS as readonly string[]).includes(meta.a) && meta.a !== 'transfer');
    if (needsText && !(values.text ?? '').trim()) {
      await ack({ response_action: 'errors', errors: { text: await deps.emptyText(body.user.id) } });
      return;
    }
    await deps.enqueue({ kind: 'submit', eventId: `slack:view:${view.id}`, user: body.user.id, callbackId: view.callback_id, meta: view.private_metadata, values });
    await ack();
  });

  app.command('/grid', async ({ ack, command }) => {
    await deps.enqueue({
      kind: 'command',
      eventId: `slack:command:${command.trigger_id}`,
      user: command.user_id,
      channel: command.channel_id,
      text: command.text ?? '',
      ...(command.response_url ? { responseUrl: command.response_url } : {}),
    });
    await ack();
  });
}
