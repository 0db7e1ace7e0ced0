// Cards and menus drawn within WeCom's limits, or refused by name when they cannot be.
import { describe, expect, it } from 'vitest';
import { WecomShapeError, buttonCard, menuMessage, taskIdOf } from '../../../../src/channels/wecom/draw.js';

function shape(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof WecomShapeError) return err.what;
    throw err;
  }
  throw new Error('expected a WecomShapeError');
}

const buttons = (n: number) => Array.from({ length: n }, (_, i) => ({ label: `按钮${i}`, data: `act:${i}` }));

describe('drawing on WeCom', () => {
  it('draws a matter card with its fields and buttons', () => {
    const card = buttonCard(
      { title: '事项 0000-0018 · 纠纷', description: '水川村第三组', body: '邻居在我家田边堆柴草', fields: [{ label: '时限', value: '今天 17:00' }], buttons: [{ label: '接单', data: 'take:m1' }, { label: '上报', data: 'escalate:m1', style: 3 }] },
      taskIdOf('matter', 'm1', 1),
    );
    expect(card).toEqual({
      card_type: 'button_interaction',
      main_title: { title: '事项 0000-0018 · 纠纷', desc: '水川村第三组' },
      sub_title_text: '邻居在我家田边堆柴草',
      horizontal_content_list: [{ keyname: '时限', value: '今天 17:00' }],
      task_id: 'matter-m1-1',
      button_list: [
        { text: '接单', key: 'take:m1' },
        { text: '上报', key: 'escalate:m1', style: 3 },
      ],
    });
  });

  it('refuses a card of 7 buttons, no button, or a key over 1024 bytes', () => {
    expect(buttonCard({ title: 't', buttons: buttons(6) }, 't1').button_list).toHaveLength(6);
    expect(shape(() => buttonCard({ title: 't', buttons: buttons(7) }, 't'))).toBe('card_buttons');
    expect(shape(() => buttonCard({ title: 't', buttons: [] }, 't'))).toBe('empty');
    expect(shape(() => buttonCard({ title: 't', buttons: [{ label: 'x', data: 'k'.repeat(1025) }] }, 't'))).toBe('card_key');
  });

  it('makes task ids of the allowed characters, distinct and at most 128 bytes', () => {
    expect(taskIdOf('matter', '3f2a-11', 2)).toBe('matter-3f2a-11-2');
    const a = taskIdOf('matter', '水川村:1');
    const b = taskIdOf('matter', '水川村:2');
    expect(a).not.toBe(b);
    for (const id of [a, b, taskIdOf('x'.repeat(300)), taskIdOf('路'.repeat(100), 'y')]) {
      expect(id).toMatch(/^[0-9A-Za-z_\-@]+$/);
      expect(Buffer.byteLength(id)).toBeLessThanOrEqual(128);
    }
    expect(taskIdOf('x'.repeat(300))).not.toBe(taskIdOf('x'.repeat(299)));
  });

  it('draws a 微信客服 menu; refuses 11 items, long ids, long texts, a head over 1024 bytes', () => {
    expect(menuMessage('请为这次办理打分', [{ label: '满意', data: 'rate:m1:3' }], '谢谢')).toEqual({
      msgtype: 'msgmenu',
      msgmenu: { head_content: '请为这次办理打分', list: [{ type: 'click', click: { id: 'rate:m1:3', content: '满意' } }], tail_content: '谢谢' },
    });
    expect(shape(() => menuMessage('h', buttons(11)))).toBe('menu_items');
    expect(shape(() => menuMessage('h', [{ label: 'x', data: 'i'.repeat(65) }]))).toBe('menu_id');
    expect(shape(() => menuMessage('h', [{ label: '很'.repeat(43), data: 'i' }]))).toBe('menu_content');
    expect(shape(() => menuMessage('网'.repeat(342), buttons(1)))).toBe('menu_head');
    expect(shape(() => menuMessage('h', []))).toBe('empty');
  });
});
