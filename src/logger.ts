// Structured logs. Secrets and phone numbers never reach them: the paths below are censored
// wherever they appear, and URLs are logged through redactUrl.
import { createRequire } from 'node:module';
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

export type LogFormat = 'auto' | 'json' | 'pretty';

/**
 * Readable lines for a person: at a terminal outside production, and whenever NODE_ENV=development
 * (a developer piping through tee or a watcher); JSON for everything else (files, collectors).
 */
export function wantsPretty(format: LogFormat, env: { isTTY: boolean; nodeEnv: string | undefined }): boolean {
  if (format !== 'auto') return format === 'pretty';
  return env.nodeEnv === 'development' || (env.isTTY && env.nodeEnv !== 'production');
}

/** pino-pretty as a synchronous stream, or null when it is not installed (JSON is written then). */
function prettyStream(): DestinationStream | null {
  try {
    const pretty = createRequire(import.meta.url)('pino-pretty') as (o: Record<string, unknown>) => DestinationStream;
    return pretty({ sync: true, colorize: Boolean(process.stdout.isTTY), translateTime: 'SYS:yyyy-mm-dd HH:MM:ss', ignore: 'pid,hostname,name' });
  } catch {
    return null;
  }
}

/** Defaults: level LOG_LEVEL or info; format LOG_FORMAT or auto (pretty on a terminal outside production). */
/** `destination`: where the lines go (a test reads them back); otherwise stdout, pretty on a terminal. */
export function createLogger(opts: { level?: string; name?: string; format?: LogFormat; destination?: DestinationStream } = {}): Logger {
  const options = {
    name: opts.name ?? 'gridline',
    level: opts.level ?? process.env.LOG_LEVEL ?? 'info',
    redact: { paths: REDACT, censor: '[redacted]' },
    base: undefined,
  };
  if (opts.destination) return pino(options, opts.destination);
  const format = opts.format ?? ((process.env.LOG_FORMAT as LogFormat | undefined) || 'auto');
  const stream = wantsPretty(format, { isTTY: Boolean(process.stdout.isTTY), nodeEnv: process.env.NODE_ENV }) ? prettyStream() : null;
  return stream ? pino(options, stream) : pino(options);
}
