// The Slack adapter's pure parts: notes, card drawing, flow outputs as blocks, Slack jobs as chat
// updates, and the app manifest agreeing with the code.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { fromTheFuture, SLACK_PATH } from '../../../../src/channels/slack/index.js';
import { splitNote } from '../../../../src/flows/inbox.js';
import { matterCard, escapeMrkdwn } from '../../../../src/channels/slack/blocks.js';
import type { CardModel } from '../../../../src/services/card-service.js';
import { KEYBOARD_PREFIX, outputBlocks } from '../../../../src/channels/slack/slack-conversation.js';
import { fileContents } from '../../../../src/channels/slack/slack-listeners.js';

const now = new Date('2026-11-27T06:00:00Z');

function model(over: Partial<CardModel['matter']> = {}, buttons: CardModel['buttons'] = ['take', 'transfer', 'settle']): CardModel {
  return {
    matter: {
      id: 'm1',
      ref: '0000-0018',
      category: 'dispute',
      topic: 'general',
      size: 'small',
      step: 'dispatch',
      state: 'open',
      level: 'unit',
      gridNodeId: 'g',
      reporterId: 'r',
      recordedById: null,
      assigneeId: 'a',
      firstAssigneeId: 'a',
      summary: '邻居在我家田边堆柴草',
      supervised: false,
      urgent: false,
      sourceEventId: null,
      dueAt: new Date('2026-11-27T09:00:00Z'),
      createdAt: now,
      updatedAt: now,
      ...over,
    } as CardModel['matter'],
    grid: '水川村第三组',
    reporter: '罗秀英',
    assignee: { name: '李冬梅', title: '第三组专职网格员' },
    words: '邻居在我家田边堆柴草，<说了>不听。\n第二行',
    attachments: [{ kind: 'photo', platform: 'telegram', fileRef: 'x' }],
    result: null,
    rating: null,
    buttons,
    topicName: null,
    phone: null,
  };
}

describe('Slack notes', () => {
  it.each([
    ['note: 刘家脾气急', true, '刘家脾气急'],
    ['NOTE：明天再去', true, '明天再去'],
    ['备注：先别说', true, '先别说'],
    ['  備註: 内部', true, '内部'],
    ['notebook 丢了', false, 'notebook 丢了'],
    ['我下午到', false, '我下午到'],
  ])('%s', (text, note, rest) => {
    expect(splitNote(text)).toEqual({ note, text: rest });
  });
});

describe('matter cards', () => {
  it('show the words (escaped), the step, the due time and the buttons', () => {
    const { text, blocks } = matterCard(model(), { locale: 'zh-CN', timezone: 'Asia/Shanghai', now, template: 'assigned', personal: true });
    const json = JSON.stringify(blocks);
    expect(text).toContain('0000-0018');
    expect(json).toContain('&lt;说了&gt;');
    expect(json).toContain('>第二行');
    expect(json).toContain('分流');
    expect(json).toContain('第三组专职网格员李冬梅');
    expect(json).toContain('照片（来自 Telegram，原件在话题里）');
    expect(json).toContain('mx:take:0000-0018');
    expect(json).toContain('派给您办理');
    expect(json).not.toContain('已超时');
  });

  it('mark an overdue matter and drop buttons nobody may press', () => {
    const { blocks } = matterCard(model({ dueAt: new Date('2026-11-27T01:00:00Z') }, []), { locale: 'en', timezone: 'Asia/Shanghai', now, template: 'escalation_alert', personal: false });
    const json = JSON.stringify(blocks);
    expect(json).toContain('overdue');
    expect(json).toContain('Supervision alert');
    expect(json).not.toContain('"actions"');
    expect(json).not.toContain('Reply in this message'); // no thread hint in a channel
  });

  it('keep the villager\'s words and name out of a channel card, and give the holder a tel: link', () => {
    const channel = JSON.stringify(matterCard(model({}, ['view', 'takeover']), { locale: 'zh-CN', timezone: 'Asia/Shanghai', now, template: 'escalation_alert', personal: false }));
    expect(channel).not.toContain('邻居在我家田边堆柴草');
    expect(channel).not.toContain('罗秀英');
    expect(channel).toContain('查看内容');
    expect(channel).toContain('mx:view:0000-0018');
    const holder = JSON.stringify(matterCard({ ...model({ size: 'big', urgent: true }), phone: '+86 138-0000-1234', topicName: '安全生产' }, { locale: 'zh-CN', timezone: 'Asia/Shanghai', now, template: 'assigned', personal: true }).blocks);
    expect(holder).toContain('<tel:+8613800001234|+86 138-0000-1234>');
    expect(holder).toContain('大事');
    expect(holder).toContain('安全生产');
  });

  it('show a zh-TW reader the roster’s names in traditional characters, and the villager’s words as written', () => {
    const json = JSON.stringify(matterCard({ ...model(), topicName: '安全生产' }, { locale: 'zh-TW', timezone: 'Asia/Shanghai', now, template: 'assigned', personal: true }).blocks);
    expect(json).toContain('第三組專職網格員李冬梅');
    expect(json).toContain('安全生產');
    expect(json).not.toMatch(/第三组|专职|安全生产/);
    expect(json).toContain('邻居在我家田边堆柴草');
  });

  it('escape markup a villager typed', () => {
    expect(escapeMrkdwn('<!channel> & <@U1>')).toBe('&lt;!channel&gt; &amp; &lt;@U1&gt;');
  });
});

describe('flows in Block Kit', () => {
  it('draws choices as buttons, a reply keyboard as buttons without contact/location, and offers a modal for free text', () => {
    const withKeyboard = outputBlocks({ kind: 'message', text: '留个手机号', keyboard: { rows: [[{ label: '发送我的手机号', request: 'contact' }], [{ label: '跳过' }]] } });
    const labels = JSON.stringify(withKeyboard);
    expect(labels).not.toContain('发送我的手机号');
    expect(labels).toContain(`${KEYBOARD_PREFIX}跳过`);
    const choices = outputBlocks({ kind: 'message', text: '是哪方面的事', buttons: [[{ label: '纠纷', data: 'f:t:dispute' }, { label: '求助', data: 'f:t:help' }]] });
    expect(JSON.stringify(choices)).toContain('f:t:dispute');
    expect(JSON.stringify(choices)).not.toContain('fx:answer'); // choices, not free text
    const free = outputBlocks({ kind: 'message', text: '请说一说', expectsText: { locale: 'zh-CN' } });
    expect(JSON.stringify(free)).toContain('fx:answer:zh-CN');
    expect(JSON.stringify(free)).toContain('填写');
  });

  it('reads a message with two files as an album, the words on the first', () => {
    const album = fileContents({ ts: '1.2', channel: 'D1', text: '两张照片', files: [{ id: 'F1', mimetype: 'image/png' }, { id: 'F2', mimetype: 'image/jpeg' }] });
    expect(album.map((c) => c.kind)).toEqual(['photo', 'photo']);
    expect(album[0]).toMatchObject({ caption: '两张照片', mediaGroupId: '1.2' });
    expect(album[1]).not.toHaveProperty('caption', '两张照片');
    expect(fileContents({ ts: '1.3', channel: 'D1', text: '你好' })).toEqual([{ kind: 'text', text: '你好' }]);
  });
});

describe('the app manifest', () => {
  it('asks for what the code listens to, at the path it serves', () => {
    const m = parse(readFileSync('slack/manifest.yaml', 'utf8'));
    expect(m.features.slash_commands.map((c: { command: string }) => c.command)).toEqual(['/grid']);
    for (const url of [m.features.slash_commands[0].url, m.settings.event_subscriptions.request_url, m.settings.interactivity.request_url]) expect(new URL(url).pathname).toBe(SLACK_PATH);
    expect(m.settings.event_subscriptions.bot_events).toEqual(expect.arrayContaining(['message.im', 'message.channels', 'app_home_opened']));
    expect(m.oauth_config.scopes.bot).toEqual(expect.arrayContaining(['chat:write', 'commands', 'im:history', 'channels:history']));
    expect(m.features.app_home.home_tab_enabled).toBe(true);
  });
});

describe('fromTheFuture', () => {
  it('is true only for a timestamp more than 5 minutes ahead', () => {
    const now = Date.UTC(2026, 0, 1, 8, 0, 0);
    const s = now / 1000;
    expect(fromTheFuture(String(s + 6 * 60), now)).toBe(true);
    expect(fromTheFuture(String(s + 5 * 60 + 1), now)).toBe(true);
    expect(fromTheFuture(String(s + 5 * 60), now)).toBe(false);
    expect(fromTheFuture(String(s - 6 * 60), now)).toBe(false);
    expect(fromTheFuture(undefined, now)).toBe(false);
    expect(fromTheFuture('soon', now)).toBe(false);
    expect(fromTheFuture([String(s + 3600)], now)).toBe(true);
  });
});
