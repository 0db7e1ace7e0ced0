// Where notifications go when a person's platform has no adapter running (no bot token set):
// the service log. This is what the embedded default shows on a fresh machine.
import type { Logger } from '../logger.js';
import type { ChannelPort, OutboundMessage, Recipient } from './channel-port.js';

export class ConsoleChannel implements ChannelPort {
  readonly name = 'console' as const;
  constructor(private readonly logger: Logger) {}

  async send(to: Recipient, message: OutboundMessage): Promise<{ messageRef?: string }> {
    this.logger.info({ channel: 'console', personId: to.personId, text: message.text, actions: message.actions?.map((a) => a.label) }, 'notification');
    return {};
  }
}
