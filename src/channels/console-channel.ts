// Where notifications go when a person's platform has no adapter running (no bot token set):
// the service log. This is what the embedded default shows on a fresh machine.
import type { Logger } from '../logger.js';
import type { Channel, ChatTarget, OutboundMessage } from '../ports/channel.js';

export class ConsoleChannel implements Channel {
  readonly name = 'console' as const;
  constructor(private readonly logger: Logger) {}

  async deliver(to: ChatTarget, message: OutboundMessage): Promise<{ messageRef?: string }> {
    if (message.kind !== 'message') return {};
    this.logger.info({ channel: 'console', personId: to.personId, text: message.text, actions: message.buttons?.flat().map((a) => a.label) }, 'notification');
    return {};
  }
}
