// performAction dispatches to one handler per action; the step table decides who may act first.
import { describe, expect, it } from 'vitest';
import { ACTIONS, type ActionRequest } from '../../../src/domain/index.js';
import { ACTION_HANDLERS } from '../../../src/services/actions/registry.js';

/** Actions the system takes itself when a matter is reported, received, routed or reopened: no person asks for them. */
const SYSTEM_ONLY = ['report', 'receive', 'route', 'reopen'];

describe('the action registry', () => {
  it('has a handler for every action a person may ask for in the step table, and no other', () => {
    expect(Object.keys(ACTION_HANDLERS).sort()).toEqual(ACTIONS.filter((a) => !SYSTEM_ONLY.includes(a)).sort());
  });

  it('reads the words each action carries, trimmed, and requires them where they are the point', () => {
    const words = (r: ActionRequest) => (ACTION_HANDLERS[r.action].text as ((x: ActionRequest) => string) | undefined)?.(r) ?? '';
    expect(words({ action: 'settle', result: '  已修好 ' })).toBe('已修好');
    expect(words({ action: 'reply', text: undefined })).toBe('');
    expect(words({ action: 'whistle', departments: [], reason: ' 水管 ' })).toBe('水管');
    expect(ACTION_HANDLERS.settle.needs).toBe('text');
    expect(ACTION_HANDLERS.reply.needs).toBe('text_or_files');
    expect(ACTION_HANDLERS.take.needs).toBeUndefined();
  });

  it('leaves chat cards alone only for what changes nothing on them (a note, a look at the words)', () => {
    expect(Object.entries(ACTION_HANDLERS).filter(([, h]) => h.keepsCard).map(([a]) => a).sort()).toEqual(['note', 'view']);
  });
});
