// The buttons a matter card offers follow what the person may do now, from the step table.
import { describe, expect, it } from 'vitest';
import { cardActions } from '../../../src/flows/card-buttons.js';
import type { MatterRow } from '../../../src/store/repositories/matter-repository.js';

const matter = (step: MatterRow['step'], state: MatterRow['state'] = 'open') => ({ step, state }) as MatterRow;

describe('card actions', () => {
  it('offer the holder what fits the step: accept first, then reply, whistle and settle', () => {
    expect(cardActions(matter('dispatch'), ['assignee'])).toEqual(['take', 'reply', 'transfer', 'escalate', 'mark_size', 'set_topic']);
    expect(cardActions(matter('handle'), ['assignee'])).toEqual(['reply', 'transfer', 'escalate', 'whistle', 'settle', 'mark_size', 'set_topic']);
    expect(cardActions(matter('feedback', 'settled'), ['assignee'])).toEqual([]);
  });

  it('offer a cadre above the matter taking it over, transferring and supervising it', () => {
    expect(cardActions(matter('dispatch'), ['cadre_above'])).toEqual(['takeover', 'transfer', 'supervise', 'mark_size', 'set_topic']);
    expect(cardActions(matter('handle'), ['cadre_above'])).toEqual(['takeover', 'transfer', 'supervise', 'whistle', 'mark_size', 'set_topic']);
    expect(cardActions(matter('evaluate', 'closed'), ['cadre_above'])).toEqual([]);
  });

  it('offer a villager nothing on an officer card', () => {
    expect(cardActions(matter('handle'), ['reporter'])).toEqual([]);
    expect(cardActions(matter('handle'), [])).toEqual([]);
  });
});
