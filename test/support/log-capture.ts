// The service's own logger (same redaction), writing into memory: a test reads back what was
// logged and checks that no villager's words got there.
import { createLogger, type Logger } from '../../src/logger.js';

export interface CapturedLogs {
  logger: Logger;
  /** Every line written so far, as written. */
  lines: string[];
  /** The lines as objects. */
  entries(): Array<Record<string, unknown>>;
}

export function captureLogs(level = 'debug'): CapturedLogs {
  const lines: string[] = [];
  const logger = createLogger({ level, destination: { write: (line: string) => void lines.push(line) } });
  return { logger, lines, entries: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}
