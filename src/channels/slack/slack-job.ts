// What the Slack listeners hand to the queue: the parts of a Slack request the worker needs, so
// the request is acknowledged at once and the work is done (and retried) by a worker.
import type { InboundItem } from '../inbound-item.js';

/** A file someone shared in Slack; we keep its id, never its bytes. */
export interface SlackFileRef {
  id: string;
  name?: string;
  mimetype?: string;
  size?: number;
}

export type SlackJob =
  /** A message in a DM or a channel the bot is in (a reply in a card's thread, or a flow answer). */
  | {
      kind: 'message';
      eventId: string;
      user: string;
      channel: string;
      channelType: string;
      ts: string;
      threadTs?: string;
      text: string;
      files?: SlackFileRef[];
      /** The message was edited (message_changed): the flows may update what the officer sees. */
      edited?: boolean;
    }
  /** A button press or a select. `value` is forgeable: the worker authorises it again. */
  | {
      kind: 'action';
      eventId: string;
      user: string;
      actionId: string;
      value: string;
      channel?: string;
      messageTs?: string;
      threadTs?: string;
      responseUrl?: string;
      /** The text of the message the button was on (a flow marks the choice made in it). */
      messageText?: string;
    }
  /** A modal was submitted. `meta` is the private_metadata we wrote when opening it. */
  | { kind: 'submit'; eventId: string; user: string; callbackId: string; meta: string; values: Record<string, string> }
  /** `/grid …` */
  | { kind: 'command'; eventId: string; user: string; channel: string; text: string; responseUrl?: string }
  /** The person opened the app's Home tab. */
  | { kind: 'home'; eventId: string; user: string };

export type SlackJobKind = SlackJob['kind'];

/** A Slack job as an inbox item; someone to answer (in their DM) when it cannot be read. */
export function slackInboxItem(job: SlackJob, id: string): InboundItem {
  const kind = job.kind === 'message' && job.files?.length ? 'files' : job.kind;
  return {
    id,
    platform: 'slack',
    queue: 'slack',
    payload: { ...job, inboxId: id } as unknown as Record<string, unknown>,
    kind,
    answer: { platform: 'slack', eventId: job.eventId, userId: job.user, chatId: job.user, chatType: 'private', content: { kind: 'text', text: '' } },
  };
}

/** What the `slack` queue carries: the job and its inbox row. */
export type QueuedSlackJob = SlackJob & { inboxId?: string };
