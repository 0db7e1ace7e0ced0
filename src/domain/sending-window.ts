// A sending window (WeChat Customer Service: at most 5 messages within 48 hours after the person
// last wrote; WhatsApp: 24 hours): whether one more message may go to a person now. The channel
// declares the window (src/ports/channel.ts, SendingWindow, the same shape); the send service
// counts and asks here, and holds what may not go until the person writes again.

/** At most `messages` messages, and only within `withinMs` of the person's last message. */
export interface WindowLimits {
  messages: number;
  withinMs: number;
}

export type WindowState =
  /** `left` more may go now, until `closesAt`. */
  | { open: true; left: number; closesAt: Date }
  /**
   * Nothing may go: the person never wrote from here (`silent`), or wrote too long ago
   * (`expired`), or the messages allowed since are all sent (`used_up`).
   */
  | { open: false; reason: 'silent' | 'expired' | 'used_up' };

/**
 * The window as it stands at `now`: `lastInboundAt` is when the person last wrote on the platform,
 * `sentSince` how many messages went to them there since.
 *
 * No slot is kept in reserve. The count starts again each time the person writes, and everything
 * they are meant to read at once follows a write of theirs: their conversation's answers are
 * written in the same turn as the write, and the news held meanwhile is merged into one message
 * written right after those answers (services/send-window.ts), so both go out in the fresh window,
 * answers first. A slot saved in the old window would only keep a notification back that could
 * have gone, and the next write opens a whole new window anyway.
 */
export function windowState(lastInboundAt: Date | null, sentSince: number, window: WindowLimits, now: Date): WindowState {
  if (!lastInboundAt || window.messages <= 0) return { open: false, reason: 'silent' };
  // A last message stamped later than now (two clocks) counts from now: never a longer window.
  const from = Math.min(lastInboundAt.getTime(), now.getTime());
  const closesAt = from + window.withinMs;
  if (now.getTime() >= closesAt) return { open: false, reason: 'expired' };
  const left = window.messages - Math.max(0, sentSince);
  if (left <= 0) return { open: false, reason: 'used_up' };
  return { open: true, left, closesAt: new Date(closesAt) };
}
