// A recording channel that declares a sending window (as WeChat Customer Service does for its
// villagers) for the people given, and plays the platform's side of it: it keeps its own count
// since each person last wrote (`wrote`, told by the test) and refuses a message past the window
// with WindowClosedError, recording it in `pastWindow` — so "nothing was sent past the window"
// is asserted on the platform's own count, not on the send service's.
import { WindowClosedError, type ChatTarget, type OutboundMessage, type SendingWindow } from '../../src/ports/channel.js';
import type { Platform } from '../../src/domain/types.js';
import { RecordingChannel } from './recording-channel.js';

export class WindowedChannel extends RecordingChannel {
  /** Messages the send service tried past the window (refused, not recorded as sent). */
  readonly pastWindow: Array<{ to: ChatTarget; text: string }> = [];
  private readonly lastWrote = new Map<string, { at: number; sent: number }>();

  constructor(
    readonly window: SendingWindow,
    /** The platform user ids under the window (others are written to at any time). */
    readonly windowed: Set<string>,
    private readonly now: () => Date,
    name: Platform = 'telegram',
  ) {
    super(name);
  }

  /** The person wrote at `at`: the platform opens a fresh window. */
  wrote(userId: string, at: Date): void {
    this.lastWrote.set(userId, { at: at.getTime(), sent: 0 });
  }

  sendingWindow(target: ChatTarget): SendingWindow | null {
    return !target.group && this.windowed.has(target.userId) ? this.window : null;
  }

  override async deliver(to: ChatTarget, message: OutboundMessage): Promise<{ messageRef?: string }> {
    if (this.sendingWindow(to) && message.kind === 'message') {
      const w = this.lastWrote.get(to.userId);
      if (!w || this.now().getTime() >= w.at + this.window.withinMs || w.sent >= this.window.messages) {
        this.pastWindow.push({ to, text: message.text });
        throw new WindowClosedError(this.name);
      }
      w.sent += 1;
    }
    return super.deliver(to, message);
  }
}
