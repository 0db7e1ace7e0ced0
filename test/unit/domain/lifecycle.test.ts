import { describe, it, expect } from 'vitest';
import {
  ACTIONS,
  RELATIONS,
  TRANSITIONS,
  allowedActions,
  decide,
  isOpen,
  transition,
  type MatterPosition,
  type Relation,
} from '../../../src/domain/lifecycle.js';
import { TransitionError, isDomainError, isTransitionError } from '../../../src/domain/errors.js';
import { MATTER_STATES, STEPS, type MatterState, type Step } from '../../../src/domain/types.js';

function newMatter(step: Step = 'dispatch', state: MatterState = 'open'): MatterPosition {
  return { step, state };
}

const ALL_POSITIONS: MatterPosition[] = STEPS.flatMap((step) => MATTER_STATES.map((state) => newMatter(step, state)));

describe('TRANSITIONS', () => {
  it('has at least one row for every action, and only known actions and relations', () => {
    for (const action of ACTIONS) {
      expect(TRANSITIONS.some((t) => t.action === action), action).toBe(true);
    }
    for (const t of TRANSITIONS) {
      expect(ACTIONS).toContain(t.action);
      expect(t.by.length).toBeGreaterThan(0);
      for (const r of t.by) expect(RELATIONS).toContain(r);
    }
  });

  it('walks the eight steps in order on the happy path', () => {
    const steps: Step[] = [];
    let m = transition(null, 'report', ['reporter']);
    steps.push(m.step);
    for (const [action, by] of [
      ['receive', 'system'],
      ['route', 'system'],
      ['take', 'assignee'],
      ['reply', 'assignee'],
      ['escalate', 'system'],
      ['settle', 'assignee'],
      ['evaluate', 'reporter'],
    ] as const) {
      m = transition(m, action, [by]);
      steps.push(m.step);
    }
    expect(steps).toEqual([...STEPS]);
    expect(m.state).toBe('closed');
  });
});

describe('decide', () => {
  it('lets a villager report and an officer record on patrol, creating an open matter at discover', () => {
    expect(decide(null, 'report', ['reporter'])).toEqual({ ok: true, step: 'discover', state: 'open' });
    expect(decide(null, 'report', ['recorder'])).toEqual({ ok: true, step: 'discover', state: 'open' });
    expect(decide(newMatter(), 'report', ['reporter'])).toEqual({ ok: false, code: 'not_now' });
  });

  it('answers not_now, not a crash, for a non-creating action without a matter', () => {
    expect(decide(null, 'urge', ['reporter'])).toEqual({ ok: false, code: 'not_now' });
  });

  it('does not let a villager settle', () => {
    for (const step of ['handle', 'track', 'supervise'] as const) {
      expect(decide(newMatter(step), 'settle', ['reporter'])).toEqual({ ok: false, code: 'not_permitted' });
    }
    expect(decide(newMatter('handle'), 'settle', ['assignee'])).toEqual({ ok: true, step: 'feedback', state: 'settled' });
    expect(decide(newMatter('track'), 'settle', ['cadre_above'])).toEqual({ ok: true, step: 'feedback', state: 'settled' });
  });

  it('tells a stranger not_permitted whatever the state, never not_now', () => {
    for (const action of ACTIONS) {
      for (const m of [null, ...ALL_POSITIONS]) {
        expect(decide(m, action, []), `${action} @ ${JSON.stringify(m)}`).toEqual({ ok: false, code: 'not_permitted' });
      }
    }
  });

  it('evaluates only from feedback, only by the reporter', () => {
    for (const m of ALL_POSITIONS) {
      const d = decide(m, 'evaluate', ['reporter']);
      expect(d.ok, `${m.step}/${m.state}`).toBe(m.step === 'feedback' && m.state === 'settled');
    }
    expect(decide(newMatter('feedback', 'settled'), 'evaluate', ['assignee', 'cadre_above'])).toEqual({
      ok: false,
      code: 'not_permitted',
    });
  });

  it('treats a reply from dispatch as an implicit take', () => {
    expect(decide(newMatter('dispatch'), 'reply', ['assignee'])).toEqual({ ok: true, step: 'track', state: 'open' });
    expect(decide(newMatter('discover'), 'reply', ['assignee'])).toEqual({ ok: false, code: 'not_now' });
  });

  it('escalates only open matters past accept, and only by system, assignee or cadre above', () => {
    expect(decide(newMatter('track'), 'escalate', ['system'])).toEqual({ ok: true, step: 'supervise', state: 'open' });
    expect(decide(newMatter('supervise'), 'escalate', ['system'])).toEqual({ ok: true, step: 'supervise', state: 'open' });
    expect(decide(newMatter('accept'), 'escalate', ['system'])).toEqual({ ok: false, code: 'not_now' });
    expect(decide(newMatter('feedback', 'settled'), 'escalate', ['system'])).toEqual({ ok: false, code: 'not_now' });
    expect(decide(newMatter('track'), 'escalate', ['reporter', 'grid_officer'])).toEqual({ ok: false, code: 'not_permitted' });
  });

  it('reserves 督办 by hand for cadres above', () => {
    expect(decide(newMatter('handle'), 'supervise', ['cadre_above'])).toEqual({ ok: true, step: 'supervise', state: 'open' });
    expect(decide(newMatter('handle'), 'supervise', ['assignee', 'grid_officer'])).toEqual({ ok: false, code: 'not_permitted' });
  });

  it('transfers back to dispatch by the assignee or a cadre above', () => {
    expect(decide(newMatter('supervise'), 'transfer', ['cadre_above'])).toEqual({ ok: true, step: 'dispatch', state: 'open' });
    expect(decide(newMatter('handle'), 'transfer', ['reporter'])).toEqual({ ok: false, code: 'not_permitted' });
  });

  it('reopens settled or closed matters to dispatch, by the system only', () => {
    expect(decide(newMatter('evaluate', 'closed'), 'reopen', ['system'])).toEqual({ ok: true, step: 'dispatch', state: 'open' });
    expect(decide(newMatter('feedback', 'settled'), 'reopen', ['system'])).toEqual({ ok: true, step: 'dispatch', state: 'open' });
    expect(decide(newMatter('track'), 'reopen', ['system'])).toEqual({ ok: false, code: 'not_now' });
    expect(decide(newMatter('evaluate', 'closed'), 'reopen', ['reporter', 'cadre_above'])).toEqual({
      ok: false,
      code: 'not_permitted',
    });
  });

  it('lets the reporter withdraw until it is evaluated, keeping the step', () => {
    expect(decide(newMatter('handle'), 'withdraw', ['reporter'])).toEqual({ ok: true, step: 'handle', state: 'withdrawn' });
    expect(decide(newMatter('feedback', 'settled'), 'withdraw', ['reporter'])).toEqual({
      ok: true,
      step: 'feedback',
      state: 'withdrawn',
    });
    expect(decide(newMatter('evaluate', 'closed'), 'withdraw', ['reporter'])).toEqual({ ok: false, code: 'not_now' });
    expect(decide(newMatter('handle', 'withdrawn'), 'withdraw', ['reporter'])).toEqual({ ok: false, code: 'not_now' });
    expect(decide(newMatter('handle'), 'withdraw', ['assignee'])).toEqual({ ok: false, code: 'not_permitted' });
  });

  it('keeps the step for urge, add_info and note', () => {
    for (const step of STEPS.slice(0, 6)) {
      expect(decide(newMatter(step), 'urge', ['reporter'])).toEqual({ ok: true, step, state: 'open' });
      expect(decide(newMatter(step), 'add_info', ['reporter'])).toEqual({ ok: true, step, state: 'open' });
      expect(decide(newMatter(step), 'note', ['grid_officer'])).toEqual({ ok: true, step, state: 'open' });
    }
    expect(decide(newMatter('evaluate', 'closed'), 'urge', ['reporter'])).toEqual({ ok: false, code: 'not_now' });
    expect(decide(newMatter('handle'), 'note', ['reporter'])).toEqual({ ok: false, code: 'not_permitted' });
  });

  it('never moves a matter out of withdrawn', () => {
    for (const step of STEPS) {
      for (const r of RELATIONS) {
        const acts = allowedActions(newMatter(step, 'withdrawn'), [r]);
        expect(acts.filter((a) => a !== 'note' && a !== 'view'), `${step} ${r}`).toEqual([]);
      }
    }
  });

  it('grants an action when any one of several relations may take it', () => {
    const relations: Relation[] = ['reporter', 'cadre_above'];
    expect(decide(newMatter('handle'), 'settle', relations).ok).toBe(true);
  });
});

describe('allowedActions', () => {
  it('offers the assignee of a dispatched matter its working buttons, in ACTIONS order', () => {
    // rate_department is narrowed by the service to a department that signed off (mayRateDepartment).
    expect(allowedActions(newMatter('dispatch'), ['assignee'])).toEqual(['take', 'reply', 'transfer', 'escalate', 'note', 'rate_department', 'mark_size', 'set_topic', 'view']);
  });

  it('offers the reporter of a settled matter rating and withdrawal only', () => {
    expect(allowedActions(newMatter('feedback', 'settled'), ['reporter'])).toEqual(['evaluate', 'withdraw']);
  });

  it('offers a stranger nothing', () => {
    for (const m of ALL_POSITIONS) expect(allowedActions(m, [])).toEqual([]);
  });

  it('agrees with decide', () => {
    for (const m of ALL_POSITIONS) {
      for (const r of RELATIONS) {
        const expected = ACTIONS.filter((a) => decide(m, a, [r]).ok);
        expect(allowedActions(m, [r])).toEqual(expected);
      }
    }
  });
});

describe('transition', () => {
  it('throws a TransitionError carrying the refusal', () => {
    try {
      transition(newMatter('track'), 'evaluate', ['reporter']);
      expect.unreachable();
    } catch (err) {
      expect(isTransitionError(err)).toBe(true);
      expect(isDomainError(err, 'not_now')).toBe(true);
      if (isTransitionError(err)) {
        expect([err.code, err.action, err.step, err.state]).toEqual(['not_now', 'evaluate', 'track', 'open']);
      }
    }
    expect(() => transition(newMatter('track'), 'settle', [])).toThrow(TransitionError);
    expect(transition(newMatter('track'), 'settle', ['assignee'])).toEqual({ step: 'feedback', state: 'settled' });
  });
});

describe('isOpen', () => {
  it('is true only for open', () => {
    expect(MATTER_STATES.filter(isOpen)).toEqual(['open']);
  });
});
