// What a person asks to do to a matter after it was reported, and how a button carries it.
import type { LimitKind } from './deadlines.js';
import { parseRef } from './reference.js';
import type { Attachment, Size } from './types.js';

/** 满意 / 基本满意 / 不满意. */
export const RATINGS = ['satisfied', 'basically_satisfied', 'unsatisfied'] as const;
export type Rating = (typeof RATINGS)[number];

export const isRating = (v: unknown): v is Rating => (RATINGS as readonly unknown[]).includes(v);

export type ActionRequest =
  | { action: 'take' }
  | { action: 'reply'; text?: string; attachments?: Attachment[] }
  | { action: 'add_info'; text?: string; attachments?: Attachment[] }
  | { action: 'note'; text: string }
  | { action: 'transfer'; toPersonId: string; reason?: string }
  /** `missed` is set by a deadline timer: the limit that passed. */
  | { action: 'escalate'; reason?: string; missed?: LimitKind }
  | { action: 'supervise'; note?: string }
  | { action: 'settle'; result: string }
  | { action: 'evaluate'; rating: Rating; comment?: string }
  | { action: 'withdraw'; reason?: string }
  | { action: 'urge' }
  /** Waiting on the villager's answer stops the clocks; `text`, the question, goes to the villager. */
  | { action: 'pause'; text?: string }
  | { action: 'resume' }
  /** Departments by id or code. */
  | { action: 'whistle'; departments: string[]; reason: string }
  /** The department (id or code) may be left out when the liaison has one waiting on the matter. */
  | { action: 'report_in'; department?: string }
  | { action: 'sign_off'; department?: string; note?: string }
  /** 1–5. */
  | { action: 'rate_department'; department: string; rating: number; comment?: string }
  /** 大事/小事, with the reason: the ladder's top and the time limits follow. */
  | { action: 'mark_size'; size: Size; reason: string }
  /** A code from the roster's topic list (多网合一). */
  | { action: 'set_topic'; topic: string }
  /** The villager's words, sent to the asker privately. */
  | { action: 'view' };

export type ActionName = ActionRequest['action'];
export type RequestOf<A extends ActionName> = Extract<ActionRequest, { action: A }>;

/** Button data for an action on a matter: short enough for Telegram's 64 bytes. */
export function actionData(action: string, ref: string, arg?: string): string {
  return arg ? `mx:${action}:${ref}:${arg}` : `mx:${action}:${ref}`;
}

/** Reads button data back; null for anything that is not ours. It proves nothing: check rights. */
export function parseActionData(data: string): { action: string; ref: string; arg?: string } | null {
  // The arg may be a department code (a-z, digits, '-').
  const m = /^mx:([a-z_]{2,20}):(\d{4,}-\d{4})(?::([a-z0-9_-]{1,30}))?$/.exec(data);
  if (!m) return null;
  const ref = parseRef(m[2]!);
  return ref ? { action: m[1]!, ref, arg: m[3] } : null;
}

/** Button data for an action on a whole grid node (its open disputes, 查看清单): `nx:<action>:<node id>`. */
export function nodeActionData(action: string, nodeId: string): string {
  return `nx:${action}:${nodeId}`;
}

/** Reads node button data back; null for anything else. It proves nothing: check rights. */
export function parseNodeActionData(data: string): { action: string; nodeId: string } | null {
  const m = /^nx:([a-z_]{2,20}):([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/.exec(data);
  return m ? { action: m[1]!, nodeId: m[2]! } : null;
}
