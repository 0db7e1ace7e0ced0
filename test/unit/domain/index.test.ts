import { describe, it, expect } from 'vitest';
import * as domain from '../../../src/domain/index.js';

describe('src/domain/index', () => {
  it('re-exports every module', () => {
    for (const name of [
      'STEPS',
      'formatRef',
      'parseRef',
      'decide',
      'allowedActions',
      'TRANSITIONS',
      'isOpen',
      'chooseAssignee',
      'resolveTimeLimit',
      'DEFAULT_TIME_LIMITS',
      'dueAt',
      'DomainError',
      'isDomainError',
      'isStaff',
      'isCadreOf',
      'levelRank',
      'mayReceiveTransfer',
      'mayUrge',
      'parseActionData',
      'windowState',
    ]) {
      expect(domain, name).toHaveProperty(name);
    }
  });
});
