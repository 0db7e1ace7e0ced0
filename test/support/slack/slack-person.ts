// Someone talking to the bot in a Slack DM, through signed requests to the app: typing, sharing a
// photo, pressing buttons, answering in a modal, `/grid …`; and what the bot posted (edits applied).
import { FakeSlackApi } from './fake-slack-api.js';
import { buttonPress, messageEvent, slashCommand, viewSubmission } from './signed-requests.js';
import type { SlackHarness } from './slack-harness.js';
import { waitFor } from '../wait.js';

export interface SlackMessage {
  ts: string;
  text: string;
  buttons: Array<{ label: string; data: string; blockId?: string }>;
}

function buttonsOf(blocks: unknown): SlackMessage['buttons'] {
  if (!Array.isArray(blocks)) return [];
  return blocks
    .filter((b) => b?.type === 'actions')
    .flatMap((b) => (b.elements as Array<{ text?: { text: string }; value?: string }>).map((e) => ({ label: e.text?.text ?? '', data: e.value ?? '', blockId: b.block_id as string | undefined })));
}

export class SlackPerson {
  readonly dm: string;
  private seen = 0;
  private responses = 0;

  constructor(
    private readonly h: SlackHarness,
    readonly userId: string,
  ) {
    this.dm = FakeSlackApi.dmOf(userId);
  }

  /** The bot's messages in this DM, in order, as they look now (chat.update applied). */
  messages(): SlackMessage[] {
    return this.posts(false);
  }

  /** The bot's messages in this DM and in the threads of its cards (a card's notices), in order. */
  withThreads(): SlackMessage[] {
    return this.posts(true);
  }

  private posts(threads: boolean): SlackMessage[] {
    const out: SlackMessage[] = [];
    for (const c of this.h.api.calls) {
      if (c.method === 'chat.postMessage' && (c.args.channel === this.userId || c.args.channel === this.dm) && (threads || !c.args.thread_ts) && c.result?.ts) {
        out.push({ ts: String(c.result.ts), text: String(c.args.text ?? ''), buttons: buttonsOf(c.args.blocks) });
      } else if (c.method === 'chat.update' && c.args.channel === this.dm) {
        const m = out.find((x) => x.ts === c.args.ts);
        if (m) Object.assign(m, { text: String(c.args.text ?? m.text), buttons: buttonsOf(c.args.blocks) });
      }
    }
    return out;
  }

  /** What only this person was shown (ephemeral notices, modal-free answers to presses). */
  ephemerals(): string[] {
    return this.h.api.called('chat.postEphemeral').filter((c) => c.args.user === this.userId).map((c) => String(c.args.text));
  }

  mark(): this {
    this.seen = this.messages().length;
    return this;
  }

  async waitForText(pattern: string | RegExp, timeoutMs = 15_000): Promise<SlackMessage> {
    const from = this.seen;
    const test = (t: string) => (typeof pattern === 'string' ? t.includes(pattern) : pattern.test(t));
    const found = await waitFor(
      () => this.messages().slice(from).find((m) => test(m.text)) ?? null,
      `a Slack message matching ${pattern} (saw: ${this.messages().slice(from).map((m) => m.text).join(' | ') || 'nothing'})`,
      timeoutMs,
    );
    this.seen = Math.max(this.seen, this.messages().findIndex((m) => m.ts === found.ts) + 1);
    return found;
  }

  async say(text: string): Promise<void> {
    await this.h.send(messageEvent({ user: this.userId, channel: this.dm, text }));
  }

  /** A reply in the thread of one of the bot's messages. */
  async sayInThread(threadTs: string, text: string): Promise<void> {
    await this.h.send(messageEvent({ user: this.userId, channel: this.dm, threadTs, text }));
  }

  async sendPhoto(caption = ''): Promise<void> {
    await this.h.send(messageEvent({ user: this.userId, channel: this.dm, text: caption, files: [{ id: `F${Date.now().toString(36).toUpperCase()}`, name: 'photo.jpg', mimetype: 'image/jpeg', size: 80_000 }] }));
  }

  /** `/grid <text>`; the flows' commands (start, lang…) are reached this way in Slack. */
  async command(text: string): Promise<void> {
    await this.h.send(slashCommand({ user: this.userId, channel: this.dm, text, responseUrl: `${this.h.api.url}/respond/${this.userId}-${++this.responses}` }));
  }

  /**
   * `/grid <text>` typed in a channel (not the DM): returns its response_url, where Slack shows
   * the answers to this person alone (FakeSlackApi.responses).
   */
  async commandIn(channel: string, text: string): Promise<string> {
    const url = `${this.h.api.url}/respond/${this.userId}-${channel}-${++this.responses}`;
    await this.h.send(slashCommand({ user: this.userId, channel, text, responseUrl: url }));
    return url;
  }

  /** The ephemeral answers shown through one response_url, as their text. */
  answersAt(url: string): string[] {
    return this.h.api.responses(url).map((c) => String(c.args.text ?? ''));
  }

  /** Waits for an ephemeral answer through `url` whose text matches. */
  async waitForAnswer(url: string, pattern: string | RegExp, timeoutMs = 15_000): Promise<{ text: string; buttons: SlackMessage['buttons'] }> {
    const test = (t: string) => (typeof pattern === 'string' ? t.includes(pattern) : pattern.test(t));
    const call = await waitFor(
      () => this.h.api.responses(url).find((c) => test(String(c.args.text ?? ''))) ?? null,
      `an ephemeral answer matching ${pattern} (saw: ${this.answersAt(url).join(' | ') || 'nothing'})`,
      timeoutMs,
    );
    return { text: String(call.args.text ?? ''), buttons: buttonsOf(call.args.blocks) };
  }

  /** Presses the newest button whose label matches, waiting for it to arrive (a card's thread included). */
  async press(label: string | RegExp, timeoutMs = 15_000): Promise<SlackMessage> {
    const matches = (l: string) => (typeof label === 'string' ? l === label : label.test(l));
    const message = await waitFor(
      () => [...this.withThreads()].reverse().find((m) => m.buttons.some((b) => matches(b.label))) ?? null,
      `a Slack button "${label}" (have: ${JSON.stringify(this.withThreads().map((m) => m.buttons.map((b) => b.label)))})`,
      timeoutMs,
    );
    const button = message.buttons.find((b) => matches(b.label))!;
    const press = buttonPress({ user: this.userId, channel: this.dm, messageTs: message.ts, value: button.data, ...(button.blockId ? { blockId: button.blockId } : {}), messageText: message.text });
    await this.h.send(press);
    return message;
  }

  /** Answers a free-text step in its modal: presses the answer button, then submits the modal. */
  async answerInModal(buttonLabel: string, text: string): Promise<void> {
    const opened = this.h.api.called('views.open').length;
    await this.press(buttonLabel);
    const call = await waitFor(() => this.h.api.called('views.open')[opened] ?? null, 'the answer modal');
    const res = await this.h.send(viewSubmission({ user: this.userId, view: call.args.view as Record<string, any>, values: { text } }));
    if (res.status !== 200) throw new Error(`modal submission refused: ${res.status}`);
  }
}
