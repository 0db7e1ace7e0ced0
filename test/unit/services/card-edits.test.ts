import { describe, expect, it } from 'vitest';
import { cardEdit, cardStatusLine } from '../../../src/services/card-edits.js';
import type { CardModel } from '../../../src/services/card-service.js';

const model = (matter: Record<string, unknown>, more: Partial<CardModel> = {}) =>
  ({ matter: { ref: '0000-0001', state: 'open', step: 'handle', level: 'village', ...matter }, assignee: { name: '李冬梅', title: null }, buttons: [], ...more }) as unknown as CardModel;

describe('a Telegram card brought up to date', () => {
  it('says where the matter stands in the reader’s language', () => {
    expect(cardStatusLine(model({}), 'zh-CN')).toBe('—— 现状：处置中 · 李冬梅办理 · 村级');
    expect(cardStatusLine(model({}, { assignee: { name: '張國華', title: '網格長' } }), 'zh-TW')).toBe('—— 目前：處理中 · 由網格長張國華承辦 · 村級');
    expect(cardStatusLine(model({ step: 'dispatch' }, { assignee: null }), 'en')).toBe('— Now: sent, waiting to be taken · nobody holds it yet · village level');
    expect(cardStatusLine(model({ state: 'settled', step: 'evaluate' }), 'zh-CN')).toBe('—— 已办结');
  });

  it('keeps its words, offers what the reader may do now, and takes the buttons away when nothing is left', () => {
    const open = cardEdit(model({}, { buttons: ['reply', 'transfer', 'escalate', 'settle'] }), '42', '【新事项】0000-0001', 'zh-CN', '✅ 李冬梅已接单');
    expect(open).toEqual({
      kind: 'edit',
      messageRef: '42',
      text: '【新事项】0000-0001\n\n✅ 李冬梅已接单\n—— 现状：处置中 · 李冬梅办理 · 村级',
      buttons: [
        [
          { label: '回复', data: expect.stringContaining('0000-0001') },
          { label: '转办', data: expect.any(String) },
          { label: '上报', data: expect.any(String) },
        ],
        [{ label: '办结', data: expect.any(String) }],
      ],
    });
    const settled = cardEdit(model({ state: 'settled' }), '42', '【新事项】0000-0001', 'zh-CN');
    expect(settled).toEqual({ kind: 'edit', messageRef: '42', text: '【新事项】0000-0001\n\n—— 已办结', clearButtons: true });
  });
});
