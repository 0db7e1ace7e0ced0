// A simulated Telegram user talking to the bot through the emulator, as a villager would: text,
// commands, button presses, photos (albums), voice, location, contact, stickers, edits; and what
// the bot said back.
import { randomBytes } from 'node:crypto';
import { waitFor } from '../wait.js';
import type { BotMessage, TelegramEmulator } from './emulator.js';

export interface PersonOptions {
  userId: number;
  firstName?: string;
  lastName?: string;
  languageCode?: string;
  /** A group chat (negative id) to speak in; the private chat with the bot otherwise. */
  group?: { id: number; title: string };
}

export class TelegramPerson {
  readonly userId: number;
  readonly chatId: number;
  private readonly client;
  /** How many bot messages had been seen when `mark()` was last called. */
  private seen = 0;

  constructor(
    readonly emulator: TelegramEmulator,
    readonly opts: PersonOptions,
  ) {
    this.userId = opts.userId;
    this.chatId = opts.group?.id ?? opts.userId;
    this.client = emulator.server.getClient(emulator.token, {
      userId: opts.userId,
      chatId: this.chatId,
      firstName: opts.firstName ?? 'Test',
      userName: `u${opts.userId}`,
      type: opts.group ? 'group' : 'private',
      chatTitle: opts.group?.title ?? opts.firstName ?? 'Test',
    });
  }

  private extra(): Record<string, any> {
    return { from: { ...(this.opts.lastName ? { last_name: this.opts.lastName } : {}), ...(this.opts.languageCode ? { language_code: this.opts.languageCode } : {}) } };
  }

  // ── saying things ────────────────────────────────────────────────────────

  async say(text: string): Promise<void> {
    await this.emulator.server.addUserMessage(this.client.makeMessage(text, this.extra()) as never);
  }

  /** `/start SC03`: a message with a bot_command entity, as Telegram sends it. */
  async command(text: string): Promise<void> {
    await this.emulator.server.addUserCommand(this.client.makeCommand(text, this.extra()) as never);
  }

  /** Presses the newest button whose label matches, waiting for it to arrive. */
  async press(label: string | RegExp, timeoutMs = 15_000): Promise<BotMessage> {
    const matches = (l: string) => (typeof label === 'string' ? l === label : label.test(l));
    const message = await waitFor(
      () => [...this.messages()].reverse().find((m) => m.buttons.flat().some((b) => matches(b.label))) ?? null,
      `a button "${label}" (have: ${JSON.stringify(this.messages().map((m) => m.buttons.flat().map((b) => b.label)))})`,
      timeoutMs,
    );
    const button = message.buttons.flat().find((b) => matches(b.label))!;
    await this.pressData(button.data, message);
    return message;
  }

  /** A callback with any data (a forged one, or a stale button's). */
  async pressData(data: string, message?: Pick<BotMessage, 'messageId' | 'text'>): Promise<void> {
    const target = message ?? this.lastMessage();
    await this.emulator.server.addUserCallback(
      this.client.makeCallbackQuery(data, { from: this.extra().from, message: { message_id: target?.messageId ?? 1, text: target?.text } } as never) as never,
    );
  }

  /** One photo; pass the same `mediaGroupId` to several (sent at once) for an album. */
  async sendPhoto(opts: { caption?: string; mediaGroupId?: string; sizeBytes?: number; bytes?: Buffer } = {}): Promise<string> {
    const fileId = `photo-${randomBytes(4).toString('hex')}`;
    const bytes = opts.bytes ?? randomBytes(2048);
    const size = opts.sizeBytes ?? bytes.length;
    // The bytes are kept with the emulator: the bot can fetch them (getFile, then the file URL).
    this.emulator.putFile(fileId, bytes, size);
    await this.emulator.server.addUserMessage(
      this.client.makeMessage(undefined as never, {
        ...this.extra(),
        photo: [
          { file_id: `${fileId}-s`, file_unique_id: `${fileId}-s`, width: 90, height: 67, file_size: Math.round(size / 20) },
          { file_id: fileId, file_unique_id: fileId, width: 1280, height: 960, file_size: size },
        ],
        ...(opts.caption ? { caption: opts.caption } : {}),
        ...(opts.mediaGroupId ? { media_group_id: opts.mediaGroupId } : {}),
      } as never) as never,
    );
    return fileId;
  }

  async sendAlbum(count: number, caption?: string): Promise<string[]> {
    const group = `album-${randomBytes(4).toString('hex')}`;
    return Promise.all(Array.from({ length: count }, (_, i) => this.sendPhoto({ mediaGroupId: group, ...(i === 0 && caption ? { caption } : {}) })));
  }

  async sendDocument(sizeBytes: number, name = 'video.mp4', bytes?: Buffer): Promise<void> {
    const id = `doc-${randomBytes(4).toString('hex')}`;
    this.emulator.putFile(id, bytes ?? randomBytes(Math.min(sizeBytes, 4096)), sizeBytes, name.split('.').pop() ?? 'bin');
    await this.emulator.server.addUserMessage(
      this.client.makeMessage(undefined as never, { ...this.extra(), document: { file_id: id, file_unique_id: id, file_name: name, file_size: sizeBytes } } as never) as never,
    );
  }

  async sendVoice(durationSec = 5): Promise<void> {
    const id = `voice-${randomBytes(4).toString('hex')}`;
    await this.emulator.server.addUserMessage(
      this.client.makeMessage(undefined as never, { ...this.extra(), voice: { file_id: id, file_unique_id: id, duration: durationSec, mime_type: 'audio/ogg', file_size: 9000 } } as never) as never,
    );
  }

  async sendLocation(latitude: number, longitude: number): Promise<void> {
    await this.emulator.server.addUserMessage(this.client.makeMessage(undefined as never, { ...this.extra(), location: { latitude, longitude } } as never) as never);
  }

  /** Shares a contact: their own (the contact button) unless `own` is false. */
  async shareContact(phone: string, own = true): Promise<void> {
    await this.emulator.server.addUserMessage(
      this.client.makeMessage(undefined as never, {
        ...this.extra(),
        contact: { phone_number: phone, first_name: this.opts.firstName ?? 'Test', ...(own ? { user_id: this.userId } : { user_id: this.userId + 1 }) },
      } as never) as never,
    );
  }

  async sendSticker(): Promise<void> {
    await this.emulator.server.addUserMessage(
      this.client.makeMessage(undefined as never, { ...this.extra(), sticker: { file_id: 'sticker-1', file_unique_id: 'sticker-1', type: 'regular', width: 512, height: 512, is_animated: false, is_video: false } } as never) as never,
    );
  }

  /** Edits a message this person sent earlier (Telegram sends edited_message). */
  async edit(messageId: number, text: string): Promise<number> {
    return this.emulator.deliverRaw({
      edited_message: {
        message_id: messageId,
        date: Math.floor(Date.now() / 1000),
        edit_date: Math.floor(Date.now() / 1000),
        chat: this.chat(),
        from: this.from(),
        text,
      },
    });
  }

  from(): Record<string, unknown> {
    return {
      id: this.userId,
      is_bot: false,
      first_name: this.opts.firstName ?? 'Test',
      ...(this.opts.lastName ? { last_name: this.opts.lastName } : {}),
      ...(this.opts.languageCode ? { language_code: this.opts.languageCode } : {}),
    };
  }

  chat(): Record<string, unknown> {
    return this.opts.group ? { id: this.opts.group.id, type: 'group', title: this.opts.group.title } : { id: this.userId, type: 'private', first_name: this.opts.firstName ?? 'Test' };
  }

  // ── what the bot said ────────────────────────────────────────────────────

  messages(): BotMessage[] {
    return this.emulator.botMessages(this.chatId);
  }

  lastMessage(): BotMessage | undefined {
    const all = this.messages();
    return all[all.length - 1];
  }

  /** Remembers how many messages there are, so `next()` waits for one after this point. */
  mark(): this {
    this.seen = this.messages().length;
    return this;
  }

  /** The messages since `mark()`, once at least `count` have come. */
  async next(count = 1, timeoutMs = 15_000): Promise<BotMessage[]> {
    const from = this.seen;
    const got = await waitFor(() => {
      const all = this.messages();
      return all.length >= from + count ? all.slice(from) : null;
    }, `${count} bot message(s) to ${this.chatId} (had ${this.messages().length - from}: ${this.messages().slice(from).map((m) => m.text).join(' | ')})`, timeoutMs);
    this.seen = from + got.length;
    return got;
  }

  /** Waits for a bot message whose text matches (sent since `mark()`). */
  async waitForText(pattern: string | RegExp, timeoutMs = 15_000): Promise<BotMessage> {
    const from = this.seen;
    const test = (t: string) => (typeof pattern === 'string' ? t.includes(pattern) : pattern.test(t));
    const found = await waitFor(
      () => this.messages().slice(from).find((m) => test(m.text)) ?? null,
      () => `a bot message matching ${pattern} (saw: ${this.messages().slice(from).map((m) => m.text).join(' | ') || 'nothing'})`,
      timeoutMs,
    );
    this.seen = Math.max(this.seen, this.messages().findIndex((m) => m.messageId === found.messageId) + 1);
    return found;
  }
}
