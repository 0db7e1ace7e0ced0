import type { Channel, ChatButton, ChatTarget, OutboundMessage, OutboundText } from '../../src/ports/channel.js';
import type { Platform } from '../../src/domain/types.js';

/** What a recorded message looked like: its text and its buttons, flat (`actions`). */
export type RecordedMessage = OutboundText & { actions: ChatButton[] };

/** A channel that keeps what it was asked to send (messages; edits and press answers are noted as `other`). */
export class RecordingChannel implements Channel {
  readonly sent: Array<{ to: ChatTarget & { externalId: string }; message: RecordedMessage }> = [];
  readonly other: OutboundMessage[] = [];
  constructor(readonly name: Platform = 'telegram') {}
  async deliver(to: ChatTarget, message: OutboundMessage): Promise<{ messageRef?: string }> {
    if (message.kind !== 'message') {
      this.other.push(message);
      return {};
    }
    this.sent.push({ to: { ...to, externalId: to.userId }, message: { ...message, actions: message.buttons?.flat() ?? [] } });
    return { messageRef: String(this.sent.length) };
  }
  to(externalId: string): string[] {
    return this.sent.filter((s) => s.to.externalId === externalId).map((s) => s.message.text);
  }
}
