// Signing in to the web desk without a password: a person of the staff asks the bot (/desk), gets a
// one-time link (10 minutes), and a POST from the link's page trades it for a session. Only the
// tokens' sha256 is stored: a copy of the database signs nobody in. Sessions can be revoked.
import { createHash, randomBytes } from 'node:crypto';
import { isStaff } from '../domain/roles.js';
import type { ServiceContext } from '../ports/context.js';
import {
  consumeDeskLink,
  insertDeskLink,
  insertDeskSession,
  liveDeskLink,
  liveDeskSession,
  revokeDeskSession,
  revokeDeskSessionsOf,
} from '../store/repositories/desk-session-repository.js';
import { findPerson, placementsOf, type PersonRow, type Placement } from '../store/repositories/people-repository.js';

/** How long a sign-in link works. */
export const DESK_LINK_MINUTES = 10;
/** How long a desk session lasts before the person signs in again. */
export const DESK_SESSION_HOURS = 12;

const hash = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');
const newToken = (): string => randomBytes(32).toString('base64url');
/** What a token looks like: anything else is refused before the database is asked. */
export const isDeskToken = (s: unknown): s is string => typeof s === 'string' && /^[A-Za-z0-9_-]{43}$/.test(s);

/** Who may use the desk: the grid's staff (officers, grid leaders, cadres), as the chat decides it. */
export const mayUseDesk = (placements: readonly Placement[]): boolean => isStaff(placements);

export type DeskLinkIssue = { ok: true; token: string; expiresAt: Date } | { ok: false; code: 'not_staff' };

/** A new one-time link token for the person; staff only. */
export async function issueDeskLink(ctx: ServiceContext, personId: string, placements?: Placement[]): Promise<DeskLinkIssue> {
  if (!mayUseDesk(placements ?? (await placementsOf(ctx.db, personId)))) return { ok: false, code: 'not_staff' };
  const token = newToken();
  const expiresAt = new Date(ctx.now().getTime() + DESK_LINK_MINUTES * 60_000);
  await insertDeskLink(ctx.db, { tokenHash: hash(token), personId, expiresAt });
  return { ok: true, token, expiresAt };
}

/** Whether the link still works (the confirm page asks before anyone presses). Uses nothing. */
export async function deskLinkLive(ctx: ServiceContext, token: string): Promise<boolean> {
  return isDeskToken(token) && Boolean(await liveDeskLink(ctx.db, hash(token), ctx.now()));
}

/** Uses the link once and opens a session; null when the link is unknown, used or expired, or the person is no longer staff. */
export async function redeemDeskLink(ctx: ServiceContext, token: string): Promise<{ sessionToken: string; personId: string; expiresAt: Date } | null> {
  if (!isDeskToken(token)) return null;
  return ctx.db.transaction(async (tx) => {
    const now = ctx.now();
    const link = await consumeDeskLink(tx, hash(token), now);
    if (!link || !mayUseDesk(await placementsOf(tx, link.personId))) return null;
    const sessionToken = newToken();
    const expiresAt = new Date(now.getTime() + DESK_SESSION_HOURS * 3600_000);
    await insertDeskSession(tx, { tokenHash: hash(sessionToken), personId: link.personId, expiresAt });
    return { sessionToken, personId: link.personId, expiresAt };
  });
}

export interface DeskViewer {
  person: PersonRow;
  placements: Placement[];
}

/** The person behind a live session who still holds a staff post, or null. */
export async function deskViewer(ctx: ServiceContext, sessionToken: string | null | undefined): Promise<DeskViewer | null> {
  if (!isDeskToken(sessionToken)) return null;
  const session = await liveDeskSession(ctx.db, hash(sessionToken), ctx.now());
  if (!session) return null;
  const [person, placements] = await Promise.all([findPerson(ctx.db, session.personId), placementsOf(ctx.db, session.personId)]);
  return person && mayUseDesk(placements) ? { person, placements } : null;
}

/** Signs this session out. */
export async function endDeskSession(ctx: ServiceContext, sessionToken: string): Promise<void> {
  if (isDeskToken(sessionToken)) await revokeDeskSession(ctx.db, hash(sessionToken), ctx.now());
}

/** Signs the person out everywhere (a lost phone); returns how many sessions ended. */
export async function endAllDeskSessions(ctx: ServiceContext, personId: string): Promise<number> {
  return revokeDeskSessionsOf(ctx.db, personId, ctx.now());
}
