// Small named errors carrying data. Boundaries branch on `code`, never on message text.

export class DomainError extends Error {
  override name = 'DomainError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export type TransitionErrorCode = 'not_permitted' | 'not_now';

/** An action was refused by the lifecycle table; `code` says whether it was who or when. */
export class TransitionError extends DomainError {
  override name = 'TransitionError';
  constructor(
    override readonly code: TransitionErrorCode,
    readonly action: string,
    readonly step: string | null,
    readonly state: string | null,
  ) {
    super(
      code,
      code === 'not_permitted'
        ? `You may not '${action}' this matter: only the people the lifecycle table names for it can.`
        : `'${action}' does not apply to a matter at step '${step ?? 'none'}' in state '${state ?? 'none'}'; refresh and pick one of its allowed actions.`,
    );
  }
}

/** No time-limit row matched; merge DEFAULT_TIME_LIMITS (it has a full wildcard row) under the roster's. */
export class NoTimeLimitError extends DomainError {
  override name = 'NoTimeLimitError';
  constructor(readonly key: { category: string; size: string; level: string }) {
    super(
      'no_time_limit',
      `No time limit matches ${key.category}/${key.size}/${key.level}; add a '*' row or merge DEFAULT_TIME_LIMITS into the policies.`,
    );
  }
}

/** True for any DomainError, optionally only for one code. */
export function isDomainError(err: unknown, code?: string): err is DomainError {
  return err instanceof DomainError && (code === undefined || err.code === code);
}

export function isTransitionError(err: unknown): err is TransitionError {
  return err instanceof TransitionError;
}
