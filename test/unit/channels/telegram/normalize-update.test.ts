import { describe, expect, it } from 'vitest';
import { normalizeUpdate, TELEGRAM_FILE_LIMIT } from '../../../../src/channels/telegram/normalize-update.js';

const from = { id: 42, is_bot: false, first_name: '秀英', last_name: '王', language_code: 'zh-hans' };
const chat = { id: 42, type: 'private', first_name: '秀英' };
const msg = (extra: Record<string, unknown>, c: Record<string, unknown> = chat) => ({ update_id: 7, message: { message_id: 3, date: 0, chat: c, from, ...extra } }) as never;

describe('normalizeUpdate', () => {
  it('reads text, and commands with their arguments (and not another bot’s)', () => {
    const u = normalizeUpdate(msg({ text: '你好' }));
    expect(u).toMatchObject({ eventId: 'telegram:update:7', platform: 'telegram', updateId: '7', userId: '42', chatId: '42', chatType: 'private', languageCode: 'zh-hans', displayName: '秀英 王', messageRef: '3', content: { kind: 'text', text: '你好' } });
    const cmd = (text: string) => normalizeUpdate(msg({ text, entities: [{ type: 'bot_command', offset: 0, length: text.split(' ')[0]!.length }] }), { botUsername: 'GridBot' }).content;
    expect(cmd('/start SC03')).toEqual({ kind: 'command', command: 'start', args: 'SC03' });
    expect(cmd('/Help@gridbot')).toEqual({ kind: 'command', command: 'help', args: '' });
    expect(cmd('/start@OtherBot')).toEqual({ kind: 'ignored', what: 'command_for_another_bot' });
  });

  it('reads button presses, with the pressed message', () => {
    const u = normalizeUpdate({ update_id: 8, callback_query: { id: 'cb1', from, chat_instance: 'x', data: 'f:abc:zh-CN', message: { message_id: 9, date: 0, chat, text: '请选择' } } } as never);
    expect(u).toMatchObject({ userId: '42', chatId: '42', messageRef: '9', content: { kind: 'callback', data: 'f:abc:zh-CN', callbackRef: 'cb1', messageText: '请选择' } });
  });

  it('reads photos (the largest size, the album), voice, files, location and contact', () => {
    const photo = normalizeUpdate(msg({ photo: [{ file_id: 's', file_unique_id: 's', width: 90, height: 60, file_size: 900 }, { file_id: 'L', file_unique_id: 'L', width: 1280, height: 960, file_size: 90_000 }], media_group_id: 'g1', caption: '看' }));
    expect(photo.content).toMatchObject({ kind: 'photo', attachment: { kind: 'photo', platform: 'telegram', fileRef: 'L', sizeBytes: 90_000, caption: '看' }, mediaGroupId: 'g1', caption: '看' });
    expect(normalizeUpdate(msg({ voice: { file_id: 'v', file_unique_id: 'v', duration: 4, mime_type: 'audio/ogg' } })).content).toMatchObject({ kind: 'voice', durationSec: 4, attachment: { kind: 'voice', fileRef: 'v' } });
    expect(normalizeUpdate(msg({ video: { file_id: 'm', file_unique_id: 'm', width: 1, height: 1, duration: 1 } })).content).toMatchObject({ kind: 'file', attachment: { kind: 'video' } });
    expect(normalizeUpdate(msg({ location: { latitude: 27.8, longitude: 114.7 } })).content).toEqual({ kind: 'location', latitude: 27.8, longitude: 114.7 });
    expect(normalizeUpdate(msg({ contact: { phone_number: '+8613800000000', first_name: 'x', user_id: 42 } })).content).toEqual({ kind: 'contact', phone: '+8613800000000', own: true });
    expect(normalizeUpdate(msg({ contact: { phone_number: '1', first_name: 'x', user_id: 43 } })).content).toMatchObject({ own: false });
  });

  it('marks files Telegram will not let the bot fetch', () => {
    expect(normalizeUpdate(msg({ document: { file_id: 'd', file_unique_id: 'd', file_size: TELEGRAM_FILE_LIMIT + 1 } })).content).toEqual({ kind: 'oversize', media: 'document', sizeBytes: TELEGRAM_FILE_LIMIT + 1, limitBytes: TELEGRAM_FILE_LIMIT });
  });

  it('tells things a person sent that we do not handle from service events', () => {
    expect(normalizeUpdate(msg({ sticker: { file_id: 's' } })).content).toEqual({ kind: 'unknown', what: 'sticker' });
    expect(normalizeUpdate(msg({ dice: { emoji: '🎲', value: 3 } })).content).toEqual({ kind: 'unknown', what: 'dice' });
    expect(normalizeUpdate(msg({ new_chat_members: [from] }, { id: -5, type: 'group', title: 'g' })).content).toEqual({ kind: 'ignored', what: 'new_chat_members' });
    expect(normalizeUpdate(msg({ text: 'hi' }, { id: -100, type: 'supergroup', title: 'g' }))).toMatchObject({ chatType: 'group', chatId: '-100' });
  });

  it('reads edits, blocks and unblocks, and never throws', () => {
    expect(normalizeUpdate({ update_id: 1, edited_message: { message_id: 3, date: 0, edit_date: 1, chat, from, text: '改了' } } as never)).toMatchObject({ messageRef: '3', content: { kind: 'edited', text: '改了' } });
    const member = (status: string) => normalizeUpdate({ update_id: 2, my_chat_member: { chat, from, date: 0, old_chat_member: { status: 'member', user: from }, new_chat_member: { status, user: from } } } as never).content;
    expect(member('kicked')).toEqual({ kind: 'membership', status: 'blocked' });
    expect(member('member')).toEqual({ kind: 'membership', status: 'active' });
    expect(normalizeUpdate({ update_id: 3, inline_query: { id: '1', from, query: '', offset: '' } } as never).content).toEqual({ kind: 'ignored', what: 'inline_query' });
    expect(normalizeUpdate({ update_id: 4, message: null } as never).content.kind).toBe('ignored');
    expect(normalizeUpdate({ update_id: 5, message: { text: 5 } } as never).content.kind).toBe('unknown');
  });

  it('cleans every string a person sent: text, captions, names, button data, contacts', () => {
    const hostile = normalizeUpdate({ update_id: 11, message: { message_id: 3, date: 0, chat, from: { ...from, first_name: '\u202E秀\u0000英', last_name: '\uD800' }, text: '邻居\u0000堆\u202E柴草\uDC00' } } as never);
    expect(hostile.content).toEqual({ kind: 'text', text: '邻居堆柴草' });
    expect(hostile.displayName).toBe('秀英');
    // Nothing visible: the text is '' (the flows say so), the name is dropped.
    const blank = normalizeUpdate({ update_id: 12, message: { message_id: 3, date: 0, chat, from: { ...from, first_name: '\u3164', last_name: undefined }, text: '\u200B\u200D\uFE0F' } } as never);
    expect(blank.content).toEqual({ kind: 'text', text: '' });
    expect(blank).not.toHaveProperty('displayName');
    const photo = normalizeUpdate(msg({ photo: [{ file_id: 'p\u0000', file_unique_id: 'p', width: 1, height: 1 }], caption: '\u200B' }));
    expect(photo.content).toEqual({ kind: 'photo', attachment: { kind: 'photo', platform: 'telegram', fileRef: 'p' }, caption: undefined, mediaGroupId: undefined });
    expect(normalizeUpdate({ update_id: 13, callback_query: { id: 'cb\u0000', from, chat_instance: 'x', data: 'f:\u0000abc:1', message: { message_id: 9, date: 0, chat, text: '\u202E请选择' } } } as never).content).toEqual({
      kind: 'callback',
      data: 'f:abc:1',
      callbackRef: 'cb',
      messageText: '请选择',
    });
    expect(normalizeUpdate(msg({ contact: { phone_number: '+86\u0000138', first_name: '\u0000x', user_id: 42 } })).content).toEqual({ kind: 'contact', phone: '+86138', own: true });
    // Emoji sequences and CJK pass untouched.
    expect(normalizeUpdate(msg({ text: '👨‍👩‍👧‍👦 水川村 🏴\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}' })).content).toEqual({ kind: 'text', text: '👨‍👩‍👧‍👦 水川村 🏴\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}' });
  });
});
