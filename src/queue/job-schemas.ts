// What each job's data must look like, checked when a worker takes the job: a payload that does
// not fit (written by hand, by an older version, or by a bug) fails once, never retried.
import { z } from 'zod';
import type { JobName } from '../ports/jobs.js';

const id = z.string().min(1);
const iso = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'an ISO time');

/** The big platform payloads are checked for what their handlers key on; the rest is theirs to read. */
export const JOB_SCHEMAS: { [N in JobName]: z.ZodType } = {
  inbound: z.looseObject({ eventId: id, platform: z.string(), externalUserId: z.string(), kind: z.literal('report'), text: z.string(), receivedAt: iso }),
  route: z.object({ matterId: id }),
  send: z.object({ recipient: z.string().regex(/^(person|chat):.+/), at: iso.optional(), lane: z.enum(['broadcast', 'bulk', 'notice']).optional() }),
  chat: z.looseObject({ eventId: id, platform: z.string(), userId: z.string(), chatId: z.string(), content: z.looseObject({ kind: z.string() }) }),
  report_in_due: z.object({ summonsId: id }),
  sweep: z.object({ zone: z.string(), at: z.string().optional() }),
  digest: z.object({ zone: z.string() }),
  deadline: z.union([
    z.looseObject({ op: z.literal('fire'), matterId: id, limit: z.string(), version: z.number(), phase: z.string(), at: iso }),
    z.object({ op: z.literal('tick'), at: iso }),
    z.object({ op: z.literal('climb'), matterId: id, limit: z.enum(['accept', 'reply', 'settle']), version: z.number().int(), step: z.string(), level: z.string(), assigneeId: id.nullable() }),
    z.object({ op: z.literal('cancel'), jobIds: z.array(z.string()) }),
  ]),
  card_refresh: z.object({ matterId: id, eventId: z.string().max(300).optional() }),
  broadcast: z.union([z.object({ broadcastId: id, op: z.enum(['release', 'progress', 'yearly']) }), z.object({ op: z.literal('follow_up'), matterId: id, settledAt: iso }), z.object({ op: z.literal('plan_yearly') })]),
};

/** Null when the data fits the job; else what is wrong with it (paths and messages, never values). */
export function payloadProblem(name: JobName, data: unknown): string | null {
  const r = JOB_SCHEMAS[name].safeParse(data);
  return r.success ? null : r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}
