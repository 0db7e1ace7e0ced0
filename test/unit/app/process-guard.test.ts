// The process-level handlers: postgres-js's uncatchable TypeError on a closed connection is
// survived; any other uncaught exception exits non-zero; an unhandled rejection is logged.
import { describe, expect, it } from 'vitest';
import { isPostgresJsConnectionBug } from '../../../src/app/process-guard.js';
import { errorLabel, isConnectionError, isDataError } from '../../../src/util/error-summary.js';

const withStack = (err: Error, stack: string) => Object.assign(err, { stack: `${err.name}: ${err.message}\n${stack}` });

describe('isPostgresJsConnectionBug', () => {
  it('recognises the TypeError thrown from postgres-js connection handling (#1154, #1208)', () => {
    const bug = withStack(new TypeError("Cannot read properties of null (reading 'write')"), '    at nextWrite (file:///app/node_modules/postgres/src/connection.js:250:12)\n    at Immediate.<anonymous> (node:internal/timers:483:21)');
    expect(isPostgresJsConnectionBug(bug)).toBe(true);
    const cjs = withStack(new TypeError('Cannot redefine property: parameters'), '    at queryError (/app/node_modules/postgres/cjs/src/connection.js:388:12)');
    expect(isPostgresJsConnectionBug(cjs)).toBe(true);
  });

  it('leaves every other error to crash the process', () => {
    expect(isPostgresJsConnectionBug(withStack(new TypeError('x is not a function'), '    at route (file:///app/src/services/routing-service.ts:12:3)'))).toBe(false);
    expect(isPostgresJsConnectionBug(withStack(new Error('boom'), '    at x (file:///app/node_modules/postgres/src/connection.js:1:1)'))).toBe(false);
    expect(isPostgresJsConnectionBug('a string')).toBe(false);
  });
});

describe('error summaries', () => {
  const pgError = (code: string) => Object.assign(new Error('insert into … params: 村口有人吵架'), { name: 'PostgresError', code });
  const drizzle = (cause: Error) => Object.assign(new Error('Failed query: … params: 村口有人吵架'), { name: 'DrizzleQueryError', cause });

  it('name the error and its code, never its message', () => {
    expect(errorLabel(drizzle(pgError('22P05')))).toBe('PostgresError 22P05');
    expect(errorLabel(new RangeError('村口'))).toBe('RangeError');
  });

  it('tell a value the database refuses from a database that went away', () => {
    expect(isDataError(drizzle(pgError('22P05')))).toBe(true);
    expect(isDataError(drizzle(pgError('57P01')))).toBe(false);
    expect(isConnectionError(drizzle(pgError('57P01')))).toBe(true);
    expect(isConnectionError(Object.assign(new Error('write CONNECTION_CLOSED'), { code: 'CONNECTION_CLOSED' }))).toBe(true);
    expect(isConnectionError(drizzle(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })))).toBe(true);
    expect(isConnectionError(drizzle(pgError('23505')))).toBe(false);
  });
});
