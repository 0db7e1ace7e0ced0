// Structured logs. Secrets and phone numbers never reach them: the paths below are censored
// wherever they appear, and URLs are logged through redactUrl.
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

const REDACT = [
  'phone',
  '*.phone',
  '*.*.phone',
  'token',
  '*.token',
  'password',
  '*.password',
  'secret',
  '*.secret',
  'authorization',
  '*.authorization',
  'req.headers.authorization',
  'req.headers["x-telegram-bot-api-secret-token"]',
  'req.headers["x-slack-signature"]',
  'contact',
  '*.contact',
];

/** `destination`: where the lines go (default stdout; a test reads them back). */
export function createLogger(opts: { level?: string; name?: string; destination?: DestinationStream } = {}): Logger {
  const options = {
    name: opts.name ?? 'gridline',
    level: opts.level ?? process.env.LOG_LEVEL ?? 'info',
    redact: { paths: REDACT, censor: '[redacted]' },
    base: undefined,
  };
  return opts.destination ? pino(options, opts.destination) : pino(options);
}
