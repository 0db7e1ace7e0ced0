import type { ChannelPort, OutboundMessage, Recipient } from '../../src/ports/channel.js';
import type { Platform } from '../../src/domain/types.js';

/** A channel that keeps what it was asked to send. */
export class RecordingChannel implements ChannelPort {
  readonly sent: Array<{ to: Recipient; message: OutboundMessage }> = [];
  constructor(readonly name: Platform = 'telegram') {}
  async send(to: Recipient, message: OutboundMessage): Promise<{ messageRef?: string }> {
    this.sent.push({ to, message });
    return { messageRef: String(this.sent.length) };
  }
  to(externalId: string): string[] {
    return this.sent.filter((s) => s.to.externalId === externalId).map((s) => s.message.text);
  }
}
