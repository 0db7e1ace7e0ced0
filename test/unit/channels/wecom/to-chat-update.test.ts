// WeCom callbacks and 微信客服 messages read into typed messages and then into the port's
// ChatUpdate: each kind, the dedupe keys, hostile text cleaned, and what nobody can read.
import { describe, expect, it } from 'vitest';
import { buildXml, dedupeKey, parseMessage, CallbackXmlError } from '../../../../src/channels/wecom/callback-xml.js';
import { fromAppCallback, fromKfMessage, kfChatId, parseKfChatId, type WecomChatUpdate } from '../../../../src/channels/wecom/to-chat-update.js';
import type { KfSyncedMessage } from '../../../../src/channels/wecom/wecom-types.js';

const base = { ToUserName: 'ww0gridline0test01', FromUserName: 'ZhangWei', CreateTime: 1_780_000_000, AgentID: 1000002 };

function app(fields: Record<string, string | number>): WecomChatUpdate {
  const action = fromAppCallback(parseMessage(buildXml({ ...base, ...fields })));
  if (action.kind !== 'update') throw new Error('expected an update');
  return action.update;
}

function kf(over: Partial<KfSyncedMessage>): WecomChatUpdate {
  return fromKfMessage({ msgid: 'from_msgid_1', open_kfid: 'wkKF1', external_userid: 'wmVillager1', send_time: 1_780_000_000, origin: 3, msgtype: 'text', ...over });
}

describe('WeCom app callbacks → ChatUpdate', () => {
  it('a member text, with the ids the inbox dedupes on', () => {
    const u = app({ MsgType: 'text', Content: '已到现场', MsgId: '4561255354251345929' });
    expect(u).toMatchObject({ platform: 'wecom', eventId: 'wecom:app:msg:4561255354251345929', userId: 'ZhangWei', chatId: 'ZhangWei', chatType: 'private', messageRef: '4561255354251345929', content: { kind: 'text', text: '已到现场' } });
    expect(u.at).toBe(new Date(1_780_000_000_000).toISOString());
  });

  it('keeps a MsgId above 2^53 exact', () => {
    expect(parseMessage(buildXml({ ...base, MsgType: 'text', Content: 'x', MsgId: '9007199254740993123' }))).toMatchObject({ msgId: '9007199254740993123' });
  });

  it('a command, as on the other platforms', () => {
    expect(app({ MsgType: 'text', Content: '/Status 0000-0018', MsgId: '1' }).content).toEqual({ kind: 'command', command: 'status', args: '0000-0018' });
  });

  it('image, voice, video and file carry the app media id; location its coordinates', () => {
    expect(app({ MsgType: 'image', MediaId: 'M1', PicUrl: 'https://x', MsgId: '2' }).content).toEqual({ kind: 'photo', attachment: { kind: 'photo', platform: 'wecom', fileRef: 'app:M1' } });
    expect(app({ MsgType: 'voice', MediaId: 'M2', Format: 'amr', MsgId: '3' }).content).toMatchObject({ kind: 'voice', attachment: { kind: 'voice', fileRef: 'app:M2' } });
    expect(app({ MsgType: 'video', MediaId: 'M3', MsgId: '4' }).content).toMatchObject({ kind: 'file', attachment: { kind: 'video', fileRef: 'app:M3' } });
    expect(app({ MsgType: 'file', MediaId: 'M4', FileName: '照片.pdf', MsgId: '5' }).content).toMatchObject({ kind: 'file', attachment: { kind: 'document', fileRef: 'app:M4', fileName: '照片.pdf' } });
    expect(app({ MsgType: 'location', Location_X: '34.58', Location_Y: '105.72', Scale: 15, Label: '水川村', MsgId: '6' }).content).toEqual({ kind: 'location', latitude: 34.58, longitude: 105.72 });
    expect(app({ MsgType: 'location', Location_X: 'north', Location_Y: '105', MsgId: '7' }).content).toEqual({ kind: 'unknown', what: 'location' });
  });

  it('a template card press is a callback naming the card (TaskId) and the press (ResponseCode)', () => {
    const u = app({ MsgType: 'event', Event: 'template_card_event', EventKey: 'take:m1', TaskId: 'matter-m1-3', CardType: 'button_interaction', ResponseCode: 'rc-9' });
    expect(u.content).toEqual({ kind: 'callback', data: 'take:m1', callbackRef: 'rc-9' });
    expect(u.messageRef).toBe('matter-m1-3:rc-9');
    expect(u.eventId).toBe('wecom:app:event:ZhangWei:1780000000:matter-m1-3:take:m1');
  });

  it('the app opened, joined, left; unknown events and message types', () => {
    expect(app({ MsgType: 'event', Event: 'enter_agent', EventKey: '' }).content).toEqual({ kind: 'ignored', what: 'enter_agent' });
    expect(app({ MsgType: 'event', Event: 'subscribe' }).content).toEqual({ kind: 'membership', status: 'active' });
    expect(app({ MsgType: 'event', Event: 'unsubscribe' }).content).toEqual({ kind: 'membership', status: 'blocked' });
    expect(app({ MsgType: 'event', Event: 'LOCATION' }).content).toEqual({ kind: 'ignored', what: 'event:LOCATION' });
    expect(app({ MsgType: 'link', Title: 't', Url: 'https://x', MsgId: '8' }).content).toEqual({ kind: 'unknown', what: 'link' });
    expect(app({ MsgType: 'miniprogram', MsgId: '9' }).content).toEqual({ kind: 'unknown', what: 'miniprogram' });
  });

  it('kf_msg_or_event asks for a sync with its token', () => {
    const m = parseMessage(buildXml({ ToUserName: 'ww0gridline0test01', CreateTime: 1, MsgType: 'event', Event: 'kf_msg_or_event', Token: 'ENCApHxn', OpenKfId: 'wkKF1' }));
    expect(fromAppCallback(m)).toEqual({ kind: 'sync', token: 'ENCApHxn', openKfId: 'wkKF1' });
    expect(dedupeKey(m)).toBe('kf:ENCApHxn');
  });

  it('cleans what a person sent: controls and bidi marks out, blank text empty', () => {
    expect(app({ MsgType: 'text', Content: '路灯\u0007坏了\u202E三天', MsgId: '10' }).content).toEqual({ kind: 'text', text: '路灯坏了三天' });
    expect(app({ MsgType: 'text', Content: '\u200B\u200B', MsgId: '11' }).content).toEqual({ kind: 'text', text: '' });
  });

  it('keeps text that holds XML: a "]]>" inside CDATA survives the round trip; declared entities are not expanded', () => {
    expect(app({ MsgType: 'text', Content: 'a]]>b<c>&amp;', MsgId: '12' }).content).toEqual({ kind: 'text', text: 'a]]>b<c>&amp;' });
    const bomb = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><xml><MsgType>text</MsgType><Content>&b;</Content></xml>';
    expect(parseMessage(bomb)).toMatchObject({ type: 'text', content: '&b;' });
  });

  it('refuses a body that is not a callback', () => {
    expect(() => parseMessage('not xml at all')).toThrow(CallbackXmlError);
    expect(() => parseMessage('<xml><Content>x</Content></xml>')).toThrow(CallbackXmlError);
    expect(() => parseMessage('<other/>')).toThrow(CallbackXmlError);
  });
});

describe('微信客服 messages → ChatUpdate', () => {
  it('a villager text: their external_userid, a kf chat id that names the account', () => {
    const u = kf({ text: { content: '村口路灯坏了' } });
    expect(u).toMatchObject({ platform: 'wecom', eventId: 'wecom:kf:msg:from_msgid_1', userId: 'wmVillager1', chatId: 'kf:wkKF1:wmVillager1', content: { kind: 'text', text: '村口路灯坏了' } });
    expect(parseKfChatId(u.chatId)).toEqual({ openKfId: 'wkKF1', externalUserId: 'wmVillager1' });
    expect(parseKfChatId('ZhangWei')).toBeNull();
    expect(kfChatId('a', 'b')).toBe('kf:a:b');
  });

  it('a menu item clicked is a callback with the item id', () => {
    expect(kf({ text: { content: '满意', menu_id: 'rate:m1:5' } }).content).toEqual({ kind: 'callback', data: 'rate:m1:5', callbackRef: 'from_msgid_1', messageText: '满意' });
    // A reply keyboard's item says its label, as if typed.
    expect(kf({ text: { content: '反映问题', menu_id: 'kb:2' } }).content).toEqual({ kind: 'text', text: '反映问题' });
  });

  it('files carry the kf media id; a location its coordinates', () => {
    expect(kf({ msgtype: 'image', image: { media_id: 'K1' } }).content).toMatchObject({ kind: 'photo', attachment: { fileRef: 'kf:K1', platform: 'wecom' } });
    expect(kf({ msgtype: 'voice', voice: { media_id: 'K2' } }).content).toMatchObject({ kind: 'voice', attachment: { fileRef: 'kf:K2' } });
    expect(kf({ msgtype: 'file', file: { media_id: 'K3' } }).content).toMatchObject({ kind: 'file', attachment: { kind: 'document', fileRef: 'kf:K3' } });
    expect(kf({ msgtype: 'location', location: { latitude: 34.5, longitude: 105.7, name: '水川村' } }).content).toEqual({ kind: 'location', latitude: 34.5, longitude: 105.7 });
    expect(kf({ msgtype: 'image' }).content).toEqual({ kind: 'unknown', what: 'image' });
    expect(kf({ msgtype: 'business_card' }).content).toEqual({ kind: 'unknown', what: 'business_card' });
  });

  it("a poster's QR code: enter_session with the join code is /start <code>, its welcome code kept", () => {
    const u = kf({ msgtype: 'event', origin: 4, external_userid: undefined, event: { event_type: 'enter_session', open_kfid: 'wkKF1', external_userid: 'wmVillager2', scene: 'poster', scene_param: 'SC03', welcome_code: 'W1' } });
    expect(u).toMatchObject({ userId: 'wmVillager2', chatId: 'kf:wkKF1:wmVillager2', messageRef: 'welcome:W1', content: { kind: 'command', command: 'start', args: 'SC03' } });
    expect(kf({ msgtype: 'event', origin: 4, event: { event_type: 'enter_session', scene_param: '%E6%B0%B4%E5%B7%9D' } }).content).toEqual({ kind: 'command', command: 'start', args: '水川' });
    expect(kf({ msgtype: 'event', origin: 4, event: { event_type: 'enter_session' } }).content).toEqual({ kind: 'ignored', what: 'enter_session' });
  });

  it('other events and what a servicer wrote in the WeCom client are ignored', () => {
    expect(kf({ msgtype: 'event', origin: 4, event: { event_type: 'msg_send_fail', fail_msgid: 'x', fail_type: 4 } }).content).toEqual({ kind: 'ignored', what: 'event:msg_send_fail' });
    expect(kf({ origin: 5, servicer_userid: 'ZhangWei', text: { content: 'hi' } }).content).toEqual({ kind: 'ignored', what: 'servicer_message' });
  });
});
