// One officer, two platforms: a one-time code made for a person (by the administrator, or on the
// platform they already use) links an account on another platform to the same person.
import { randomInt } from 'node:crypto';
import type { Platform } from '../domain/types.js';
import { addIdentity, consumeLinkCode, insertLinkCode } from '../store/repositories/link-code-repository.js';
import { findByIdentity, findPerson, type PersonRow } from '../store/repositories/people-repository.js';
import type { ServiceContext } from '../ports/context.js';

/** No 0/O, 1/I/L: read over the phone or copied by hand. */
const ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
export const LINK_CODE_LENGTH = 8;
export const LINK_CODE_TTL_MINUTES = 30;

export function normaliseLinkCode(input: string): string {
  return input.toUpperCase().replace(/[\s-]/g, '');
}

/** A fresh code for the person, valid for `ttlMinutes` (default 30) and for one use. */
export async function createLinkCode(ctx: ServiceContext, personId: string, ttlMinutes = LINK_CODE_TTL_MINUTES): Promise<{ code: string; expiresAt: Date }> {
  const expiresAt = new Date(ctx.now().getTime() + ttlMinutes * 60_000);
  for (;;) {
    const code = Array.from({ length: LINK_CODE_LENGTH }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
    if (await insertLinkCode(ctx.db, { code, personId, expiresAt })) return { code, expiresAt };
  }
}

export type LinkResult =
  | { ok: true; person: PersonRow; already?: boolean }
  | { ok: false; reason: 'invalid' | 'taken' };

/** Links `platform`/`externalId` to the person the code was made for. */
export async function redeemLinkCode(ctx: ServiceContext, input: { platform: Platform; externalId: string; chatId?: string | null; code: string }): Promise<LinkResult> {
  const code = normaliseLinkCode(input.code);
  if (!/^[A-Z0-9]{4,16}$/.test(code)) return { ok: false, reason: 'invalid' };
  return ctx.db.transaction(async (tx): Promise<LinkResult> => {
    const existing = await findByIdentity(tx, input.platform, input.externalId);
    const used = await consumeLinkCode(tx, code, `${input.platform}:${input.externalId}`, ctx.now());
    if (!used) return { ok: false, reason: 'invalid' };
    if (existing) {
      // The code stays unused when the account belongs to someone else.
      if (existing.person.id !== used.personId) throw new LinkTaken();
      return { ok: true, person: existing.person, already: true };
    }
    const person = await findPerson(tx, used.personId);
    if (!person || !(await addIdentity(tx, { personId: person.id, platform: input.platform, externalId: input.externalId, chatId: input.chatId }))) throw new LinkTaken();
    return { ok: true, person };
  }).catch((err: unknown) => {
    if (err instanceof LinkTaken) return { ok: false, reason: 'taken' } as const;
    throw err;
  });
}

class LinkTaken extends Error {}
