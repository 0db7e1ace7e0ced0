// The desk's session cookie: a random token (its sha256 is the session row) signed with the
// desk's secret. Anyone may call viewerOf with a request: it reads the cookie header itself, so
// routes mounted outside the desk (the ledger export) see the same sign-in.
import { fastifyCookie } from '@fastify/cookie';
import type { FastifyRequest } from 'fastify';
import type { ServiceContext } from '../ports/context.js';
import { deskViewer, type DeskViewer } from '../services/desk-sign-in.js';

export const SESSION_COOKIE = 'gl_desk';

export interface DeskSessions {
  /** The signed-in staff member behind the request, or null (no cookie, a forged or revoked one). */
  viewer(request: Pick<FastifyRequest, 'headers'>): Promise<DeskViewer | null>;
  /** The signed-in person's id, or null: what the ledger export asks. */
  viewerOf(request: Pick<FastifyRequest, 'headers'>): Promise<string | null>;
  /** The raw session token of the request's cookie if its signature holds. */
  tokenOf(request: Pick<FastifyRequest, 'headers'>): string | null;
  /** The cookie's value for a new session token. */
  sign(token: string): string;
}

/** One cookie's value from a Cookie header (URL-decoded), or null. */
function cookieValue(header: string, name: string): string | null {
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return null;
      }
    }
  }
  return null;
}

export function deskSessions(ctx: ServiceContext, secret: string): DeskSessions {
  const tokenOf = (request: Pick<FastifyRequest, 'headers'>): string | null => {
    const raw = request.headers.cookie;
    if (!raw) return null;
    const value = cookieValue(raw, SESSION_COOKIE);
    if (!value) return null;
    const unsigned = fastifyCookie.unsign(value, secret);
    return unsigned.valid ? unsigned.value : null;
  };
  const viewer = async (request: Pick<FastifyRequest, 'headers'>) => deskViewer(ctx, tokenOf(request));
  return {
    tokenOf,
    viewer,
    viewerOf: async (request) => (await viewer(request))?.person.id ?? null,
    sign: (token) => fastifyCookie.sign(token, secret),
  };
}
