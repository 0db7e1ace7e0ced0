// The one rule for a matter card's buttons: the matter's step and state, how the reader stands to
// it, and whether the card is read in their own chat or in a group. Every platform and every path
// (the notice, the redrawn card, the pressed card) draws what this returns.
import { describe, expect, it } from 'vitest';
import { CARD_ACTIONS, cardActionList, cardActionsFor, groupView, type CardAction, type CardContext, type MatterPosition, type Relation } from '../../../src/domain/index.js';

const at = (step: MatterPosition['step'], state: MatterPosition['state'] = 'open'): MatterPosition => ({ step, state });

type Row = [string, MatterPosition, Relation[], CardContext, CardAction[]];

const TABLE: Row[] = [
  // The holder: 接单 only while it waits at dispatch; 吹哨 and 办结 once it is handled.
  ['holder, sent to him', at('dispatch'), ['assignee', 'grid_officer'], 'private', ['take', 'reply', 'transfer', 'escalate', 'mark_size', 'set_topic']],
  ['holder, handling', at('handle'), ['assignee', 'grid_officer'], 'private', ['reply', 'transfer', 'escalate', 'whistle', 'settle', 'mark_size', 'set_topic']],
  ['holder, after a climb', at('supervise'), ['assignee'], 'private', ['reply', 'transfer', 'escalate', 'whistle', 'settle', 'mark_size', 'set_topic']],
  ['holder, settled', at('feedback', 'settled'), ['assignee'], 'private', []],
  // A cadre who holds it works it as its holder: no 督办 of himself, no 接管 of his own matter.
  ['cadre holding it', at('handle'), ['assignee', 'cadre_above'], 'private', ['reply', 'transfer', 'escalate', 'whistle', 'settle', 'mark_size', 'set_topic']],
  // A cadre above who does not hold it (a township cadre on a village matter).
  ['cadre above, nobody could take it', at('accept'), ['cadre_above'], 'private', ['takeover', 'transfer', 'mark_size', 'set_topic']],
  ['cadre above, sent to an officer', at('dispatch'), ['cadre_above'], 'private', ['takeover', 'transfer', 'supervise', 'mark_size', 'set_topic']],
  ['cadre above, being handled', at('handle'), ['cadre_above'], 'private', ['takeover', 'transfer', 'supervise', 'whistle', 'mark_size', 'set_topic']],
  ['cadre above, climbed', at('supervise'), ['cadre_above'], 'private', ['takeover', 'transfer', 'supervise', 'whistle', 'mark_size', 'set_topic']],
  ['cadre above, settled', at('feedback', 'settled'), ['cadre_above'], 'private', []],
  ['cadre above, closed', at('evaluate', 'closed'), ['cadre_above'], 'private', []],
  ['cadre above who reported it too', at('handle'), ['reporter', 'cadre_above'], 'private', ['takeover', 'transfer', 'supervise', 'whistle', 'mark_size', 'set_topic']],
  // Anyone else: what they may do of the holder's, never 接单.
  ['officer of the grid, not holding it', at('handle'), ['grid_officer'], 'private', ['whistle']],
  ['officer of the grid, at dispatch', at('dispatch'), ['grid_officer'], 'private', []],
  ['summoned liaison', at('handle'), ['liaison'], 'private', []],
  ['relieved helper', at('handle'), ['helper'], 'private', []],
  ['the villager who reported it', at('handle'), ['reporter'], 'private', []],
  ['a stranger', at('handle'), [], 'private', []],
  // A group: whoever presses is checked then; the words privately first, nothing to type in the group.
  ['group, nobody could take it', at('accept'), [], 'group', ['view', 'takeover', 'transfer', 'mark_size']],
  ['group, sent to an officer', at('dispatch'), [], 'group', ['view', 'takeover', 'transfer', 'supervise', 'mark_size']],
  ['group, climbed', at('supervise'), [], 'group', ['view', 'takeover', 'transfer', 'supervise', 'whistle', 'mark_size']],
  ['group, settled', at('feedback', 'settled'), [], 'group', ['view']],
  ['group, withdrawn', at('dispatch', 'withdrawn'), [], 'group', ['view']],
  // The reader's own relations do not change a group's card.
  ['group, read by the holder', at('handle'), ['assignee'], 'group', ['view', 'takeover', 'transfer', 'supervise', 'whistle', 'mark_size']],
];

describe('the card rule', () => {
  it.each(TABLE)('%s', (_what, matter, relations, context, expected) => {
    expect(cardActionsFor(matter, relations, context)).toEqual(expected);
  });

  it('never offers a private reader 查看内容 (their card shows the words), nor a group what needs words typed in', () => {
    for (const [, matter, relations] of TABLE) {
      expect(cardActionsFor(matter, relations, 'private')).not.toContain('view');
      for (const typed of ['reply', 'settle'] as const) expect(cardActionsFor(matter, relations, 'group')).not.toContain(typed);
    }
  });

  it('offers 接管 only to a cadre above who does not hold it', () => {
    for (const [, matter, relations, context] of TABLE) {
      const takeover = cardActionsFor(matter, relations, context).includes('takeover');
      if (takeover && context === 'private') expect(relations.includes('cadre_above') && !relations.includes('assignee')).toBe(true);
    }
  });

  it('reads stored buttons back in order and drops what is not a card button', () => {
    expect(cardActionList(['takeover', 'rm -rf', 'view', 42])).toEqual(['takeover', 'view']);
    expect(cardActionList('takeover')).toEqual([]);
    expect(CARD_ACTIONS).toContain('takeover');
    // A group's notice keeps its buttons through groupView, and nothing else it was not meant to read.
    expect(groupView({ actions: ['view', 'takeover', '<b>'], summary: '邻居家的牛' }).params).toEqual({ actions: ['view', 'takeover'] });
  });
});
