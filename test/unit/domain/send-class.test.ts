import { describe, expect, it } from 'vitest';
import { sendClass, sendRank } from '../../../src/domain/send-class.js';

describe('sendClass', () => {
  it("a conversation's output is the answer a person waits for", () => {
    expect(sendClass({ template: 'chat', output: { kind: 'message', text: '请说一说是什么事' }, eventId: 'telegram:1:update:5' })).toBe('answer');
  });

  it("a villager's receipt and an officer's first notice of a matter come next", () => {
    for (const template of ['receipt', 'receipt_pending', 'receipt_village', 'routed_nobody', 'assigned', 'escalated', 'reopened', 'summoned', 'unassigned', 'urgent_hazard']) expect(sendClass({ template })).toBe('first');
  });

  it('other notices, then bulk: broadcasts, digests, the evening sweeps', () => {
    for (const template of ['settled', 'urged', 'deadline_warning', 'follow_up', 'broadcast_approval', 'escalation_alert']) expect(sendClass({ template })).toBe('notice');
    for (const template of ['broadcast', 'digest', 'sweep', 'sweep_villages', 'open_disputes']) expect(sendClass({ template })).toBe('bulk');
    expect(sendClass({ template: 'broadcast', broadcastId: 'b1' })).toBe('bulk');
  });

  it('a card redrawn after its matter moved goes with receipts (it waits ahead of them in its reader’s queue); a broadcast’s progress is bulk', () => {
    expect(sendClass({ template: 'chat', output: { kind: 'edit', messageRef: '9' }, eventId: 'card:m1' })).toBe('first');
    expect(sendClass({ template: 'chat', output: { kind: 'edit', messageRef: '9' }, eventId: 'broadcast:b1:x' })).toBe('bulk');
  });

  it('ranks answer < first < notice < bulk; unclassed waits with notices', () => {
    expect([sendRank('answer'), sendRank('first'), sendRank('notice'), sendRank('bulk')]).toEqual([0, 1, 2, 3]);
    expect(sendRank(undefined)).toBe(sendRank('notice'));
  });
});
