// Process-level handlers: a dropped database connection is an error the service survives, never
// a crash. postgres-js (3.4.x, upstream porsager/postgres #1154 and #1208, fix not released)
// throws a TypeError from a timer callback when a connection closes under a query, where nobody
// can catch it; the query itself fails (and is retried) on its own. That one is logged and let
// go. A promise rejected with nobody waiting is logged and let go too: it is a bug to fix, not a
// reason to drop every job in flight. Any other uncaught exception leaves the process in a state
// nobody knows: it is logged and the process exits non-zero, for its supervisor to restart it.
import type { Logger } from '../logger.js';
import { errorSummary } from '../util/error-summary.js';

/** The stack of a throw from inside postgres-js's connection handling. */
export function isPostgresJsConnectionBug(err: unknown): boolean {
  if (!(err instanceof TypeError)) return false;
  const stack = err.stack ?? '';
  return /[\\/]postgres[\\/](cjs[\\/])?src[\\/]connection\.js/.test(stack);
}

/** The stack without its first line (the message, which may carry a query's parameters). */
const frames = (err: unknown) => (err instanceof Error && err.stack ? err.stack.split('\n').slice(1, 8).join('\n') : undefined);

let installed: { logger: Logger; exit: (code: number) => void } | null = null;

function onUncaught(err: unknown): void {
  const guard = installed;
  if (!guard) throw err;
  if (isPostgresJsConnectionBug(err)) {
    guard.logger.warn({ err: { ...errorSummary(err), stack: frames(err) } }, 'database connection closed under a query (postgres-js); the query fails and is retried, the service goes on');
    return;
  }
  guard.logger.fatal({ err: { ...errorSummary(err), stack: frames(err) } }, 'uncaught exception; exiting for the supervisor to restart the service');
  guard.exit(1);
}

function onUnhandled(reason: unknown): void {
  const guard = installed;
  if (!guard) return;
  guard.logger.error({ err: { ...errorSummary(reason), stack: frames(reason) } }, 'a promise was rejected with nobody waiting for it; the service goes on');
}

/** Installs the handlers once per process (a second call only replaces the logger). */
export function installProcessGuards(logger: Logger, exit: (code: number) => void = (code) => process.exit(code)): void {
  const first = installed === null;
  installed = { logger, exit };
  if (!first) return;
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUnhandled);
}
