// Read and validated once at start; every bad variable is reported in one error.
import path from 'node:path';
import { z } from 'zod';
import { LOCALES } from '../domain/types.js';
import { resolveDataDir, type DataDirSource } from './data-dir.js';

const optionalUrl = (protocols: string[]) =>
  z
    .string()
    .trim()
    .min(1)
    .refine((v) => {
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    }, `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`)
    .optional();

const emptyToUndefined = (env: NodeJS.ProcessEnv): Record<string, string | undefined> =>
  Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === '' ? undefined : v]));

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** auto: readable lines on a terminal outside production, JSON otherwise. */
  LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
  DATABASE_URL: optionalUrl(['postgres:', 'postgresql:']),
  /** Unset: the nearest data/ holding a store, else the project's data/ (see data-dir.ts). */
  GRIDLINE_DATA_DIR: z.string().optional(),
  REDIS_URL: optionalUrl(['redis:', 'rediss:']),
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1–64 characters of A-Z, a-z, 0-9, _, . and - (each deployment sharing one Redis takes its own)')
    .optional(),
  HTTP_HOST: z.string().default('127.0.0.1'),
  HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  DEFAULT_LOCALE: z.enum(LOCALES).default('zh-CN'),
  DEFAULT_TIMEZONE: z
    .string()
    .default('Asia/Shanghai')
    .refine((tz) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    }, 'must be an IANA time zone such as Asia/Shanghai'),
  GRIDLINE_ROSTER: z.string().optional(),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(500).default(20),
  /** Handled platform updates are deleted from the inbox after this many days (given-up ones stay for operators). */
  INBOX_RETENTION_DAYS: z.coerce.number().int('must be a whole number of days').min(1, 'must be at least 1 day').max(3650).default(30),
  /** A claim on a message being sent expires after this long; then another sender may take it. */
  SEND_LEASE_SECONDS: z.coerce
    .number()
    .int('must be a whole number of seconds')
    .min(10, 'must be at least 10 s: longer than one send may take (its wait for a rate slot, up to 5 s, plus the call)')
    .max(3600)
    .default(30),
  TELEGRAM_BOT_TOKEN: z
    .string()
    .regex(/^\d+:[\w-]{20,}$/, 'must look like 123456:ABC-DEF… (the token @BotFather gave you)')
    .optional(),
  TELEGRAM_API_ROOT: optionalUrl(['http:', 'https:']),
  TELEGRAM_MESSAGES_PER_SECOND: z.coerce.number().min(1).max(1000).default(30),
  TELEGRAM_WEBHOOK_URL: optionalUrl(['https:', 'http:']),
  TELEGRAM_WEBHOOK_SECRET: z
    .string()
    .regex(/^[A-Za-z0-9_-]{16,256}$/, 'must be 16–256 characters of A-Z, a-z, 0-9, _ and -')
    .optional(),
  SLACK_BOT_TOKEN: z.string().startsWith('xoxb-', 'must start with xoxb-').optional(),
  SLACK_SIGNING_SECRET: z.string().min(8).optional(),
  SLACK_APP_TOKEN: z.string().startsWith('xapp-', 'must start with xapp-').optional(),
  SLACK_API_URL: optionalUrl(['http:', 'https:']),
  /** WeCom (企业微信) for staff and 微信客服 for villagers: docs/wecom.md says where each value is found. */
  WECOM_CORP_ID: z.string().trim().regex(/^[A-Za-z0-9]{6,64}$/, 'must be the corp id (企业ID, ww…) from 我的企业 → 企业信息').optional(),
  WECOM_AGENT_ID: z.coerce.number().int('must be the app\'s AgentId (a number)').min(1).optional(),
  WECOM_SECRET: z.string().trim().min(8, 'must be the app\'s Secret').optional(),
  WECOM_TOKEN: z.string().trim().regex(/^[A-Za-z0-9]{1,32}$/, 'must be the Token of the app\'s 接收消息 setting (letters and digits, at most 32)').optional(),
  WECOM_AES_KEY: z.string().trim().optional(),
  WECOM_KF_SECRET: z.string().trim().min(8, 'must be the 微信客服 Secret').optional(),
  WECOM_KF_ACCOUNT: z.string().trim().regex(/^wk[A-Za-z0-9_-]{1,62}$/, 'must be the 微信客服 account id (wk…)').optional(),
  WECOM_API_URL: optionalUrl(['http:', 'https:']),
  /** The corp's licensed accounts: the app may send accounts × 200 messages a day (发送应用消息). */
  WECOM_LICENSED_ACCOUNTS: z.coerce.number().int().min(1).max(1_000_000).default(100),
  /** Where people reach the web desk (the sign-in links point there); default http://HTTP_HOST:HTTP_PORT. */
  DESK_BASE_URL: optionalUrl(['https:', 'http:']),
  /** Signs the desk's cookies; unset, a random one per start (everyone signs in again after a restart). */
  DESK_COOKIE_SECRET: z.string().min(32, 'must be at least 32 characters (e.g. openssl rand -hex 32)').optional(),
});

export type Env = z.infer<typeof envSchema>;

export interface Config {
  env: Env['NODE_ENV'];
  logLevel: Env['LOG_LEVEL'];
  logFormat: Env['LOG_FORMAT'];
  store: { kind: 'postgres'; url: string } | { kind: 'pglite'; dataDir: string };
  /** On Redis, `prefix` keeps one deployment's queues apart from another's (BullMQ's default, bull, when unset). */
  queue: { kind: 'redis'; url: string; prefix?: string } | { kind: 'postgres' };
  dataDir: string;
  /** How dataDir was chosen: set, found above the working folder, or the project's own. */
  dataDirSource: DataDirSource;
  http: { host: string; port: number };
  defaultLocale: Env['DEFAULT_LOCALE'];
  defaultTimezone: string;
  rosterFile: string | undefined;
  workerConcurrency: number;
  /** Recovery: how long a send's claim holds (ms), and how many days handled inbox rows are kept. */
  recovery: { sendLeaseMs: number; inboxRetentionDays: number };
  /** `limits.globalPerSecond`: messages a second over all chats, shared by every process on the token. */
  telegram: { token: string; apiRoot?: string; webhookUrl?: string; webhookSecret?: string; limits: { globalPerSecond: number } } | null;
  slack: { botToken: string; signingSecret: string; appToken?: string; apiUrl?: string } | null;
  /** WeCom's app (staff) and, when `kfAccount` is set, 微信客服 (villagers). */
  wecom: WecomConfig | null;
  /** The web desk: its public address (null: the HTTP server's own) and the secret its cookies are signed with (null: a random one per start). */
  desk: { baseUrl: string | null; cookieSecret: string | null };
}

export interface WecomConfig {
  corpId: string;
  agentId: number;
  secret: string;
  token: string;
  encodingAESKey: string;
  /** The 微信客服 Secret; absent: the app's (granted the 微信客服 API). */
  kfSecret?: string;
  kfAccount?: string;
  apiUrl?: string;
  licensedAccounts: number;
}

/** The WeCom settings that must come together: with any of them, all of these. */
const WECOM_REQUIRED = ['WECOM_CORP_ID', 'WECOM_AGENT_ID', 'WECOM_SECRET', 'WECOM_TOKEN', 'WECOM_AES_KEY'] as const;
const WECOM_ANY = [...WECOM_REQUIRED, 'WECOM_KF_SECRET', 'WECOM_KF_ACCOUNT', 'WECOM_API_URL'] as const;

/** What is wrong with an EncodingAESKey (43 base64 characters, 32 bytes), or null. */
export function encodingAESKeyProblem(key: string): string | null {
  if (!/^[A-Za-z0-9+/]{43}$/.test(key)) return `must be the 43 characters of the EncodingAESKey (got ${key.length})`;
  if (Buffer.from(`${key}=`, 'base64').length !== 32) return 'does not decode to 32 bytes: copy the EncodingAESKey again';
  return null;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: Array<{ variable: string; message: string }>) {
    super(
      `gridline cannot start: fix these settings (environment variables) and start again:\n` +
        problems.map((p) => `  ${p.variable}: ${p.message}`).join('\n'),
    );
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const raw = emptyToUndefined(env);
  const parsed = envSchema.safeParse(raw);
  const problems: Array<{ variable: string; message: string }> = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      problems.push({ variable: String(issue.path[0] ?? '?'), message: issue.message });
    }
  }
  // Checked on the raw values too, so they are reported with the rest.
  {
    const e = raw;
    if (e.SLACK_BOT_TOKEN && !e.SLACK_SIGNING_SECRET && !e.SLACK_APP_TOKEN) {
      problems.push({
        variable: 'SLACK_SIGNING_SECRET',
        message: 'required with SLACK_BOT_TOKEN in HTTP mode: requests are always checked against it',
      });
    }
    if ((e.SLACK_SIGNING_SECRET || e.SLACK_APP_TOKEN) && !e.SLACK_BOT_TOKEN) {
      problems.push({ variable: 'SLACK_BOT_TOKEN', message: 'required when other SLACK_ settings are given' });
    }
    if (e.QUEUE_PREFIX && !e.REDIS_URL) {
      problems.push({ variable: 'QUEUE_PREFIX', message: 'applies to queues on Redis (REDIS_URL); without Redis the queues live in the database, which already keeps deployments apart' });
    }
    if ((e.TELEGRAM_WEBHOOK_URL || e.TELEGRAM_API_ROOT) && !e.TELEGRAM_BOT_TOKEN) {
      problems.push({ variable: 'TELEGRAM_BOT_TOKEN', message: 'required when other TELEGRAM_ settings are given' });
    }
    // WeCom's partners: a secret without the corp id, a token without the AES key, are errors, never a skipped check.
    if (WECOM_ANY.some((k) => e[k])) {
      for (const k of WECOM_REQUIRED) if (!e[k]) problems.push({ variable: k, message: `required when other WECOM_ settings are given (${WECOM_REQUIRED.join(', ')} come together)` });
    }
    const aes = e.WECOM_AES_KEY?.trim();
    const aesProblem = aes ? encodingAESKeyProblem(aes) : null;
    if (aesProblem) problems.push({ variable: 'WECOM_AES_KEY', message: aesProblem });
  }
  const e = parsed.success ? parsed.data : undefined;
  if (problems.length || !e) throw new ConfigError(problems);

  const { dir: dataDir, source: dataDirSource } = resolveDataDir(e.GRIDLINE_DATA_DIR, process.cwd());
  return {
    env: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    store: e.DATABASE_URL ? { kind: 'postgres', url: e.DATABASE_URL } : { kind: 'pglite', dataDir: path.join(dataDir, 'pglite') },
    queue: e.REDIS_URL ? { kind: 'redis', url: e.REDIS_URL, ...(e.QUEUE_PREFIX ? { prefix: e.QUEUE_PREFIX } : {}) } : { kind: 'postgres' },
    dataDir,
    dataDirSource,
    http: { host: e.HTTP_HOST, port: e.HTTP_PORT },
    defaultLocale: e.DEFAULT_LOCALE,
    defaultTimezone: e.DEFAULT_TIMEZONE,
    rosterFile: e.GRIDLINE_ROSTER,
    workerConcurrency: e.WORKER_CONCURRENCY,
    desk: { baseUrl: e.DESK_BASE_URL ?? null, cookieSecret: e.DESK_COOKIE_SECRET ?? null },
    recovery: { sendLeaseMs: e.SEND_LEASE_SECONDS * 1000, inboxRetentionDays: e.INBOX_RETENTION_DAYS },
    telegram: e.TELEGRAM_BOT_TOKEN
      ? {
          token: e.TELEGRAM_BOT_TOKEN,
          apiRoot: e.TELEGRAM_API_ROOT,
          webhookUrl: e.TELEGRAM_WEBHOOK_URL,
          webhookSecret: e.TELEGRAM_WEBHOOK_SECRET,
          limits: { globalPerSecond: e.TELEGRAM_MESSAGES_PER_SECOND },
        }
      : null,
    slack: e.SLACK_BOT_TOKEN
      ? {
          botToken: e.SLACK_BOT_TOKEN,
          signingSecret: e.SLACK_SIGNING_SECRET ?? '',
          appToken: e.SLACK_APP_TOKEN,
          apiUrl: e.SLACK_API_URL,
        }
      : null,
    wecom:
      e.WECOM_CORP_ID && e.WECOM_AGENT_ID && e.WECOM_SECRET && e.WECOM_TOKEN && e.WECOM_AES_KEY
        ? {
            corpId: e.WECOM_CORP_ID,
            agentId: e.WECOM_AGENT_ID,
            secret: e.WECOM_SECRET,
            token: e.WECOM_TOKEN,
            encodingAESKey: e.WECOM_AES_KEY,
            ...(e.WECOM_KF_SECRET ? { kfSecret: e.WECOM_KF_SECRET } : {}),
            ...(e.WECOM_KF_ACCOUNT ? { kfAccount: e.WECOM_KF_ACCOUNT } : {}),
            ...(e.WECOM_API_URL ? { apiUrl: e.WECOM_API_URL } : {}),
            licensedAccounts: e.WECOM_LICENSED_ACCOUNTS,
          }
        : null,
  };
}
