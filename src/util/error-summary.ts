// What an error may show in a log or a stored summary: its name and database code, never its
// message (a failed query's message carries its parameters, i.e. a person's words).

export function errorSummary(err: unknown): { name: string; code?: string } {
  const e = err as { name?: unknown; code?: unknown; cause?: { name?: unknown; code?: unknown } } | null;
  const code = typeof e?.code === 'string' ? e.code : typeof e?.cause?.code === 'string' ? e.cause.code : undefined;
  const name = typeof e?.cause?.name === 'string' && e?.name === 'DrizzleQueryError' ? e.cause.name : typeof e?.name === 'string' ? e.name : 'Error';
  return { name, ...(code ? { code } : {}) };
}

/** `PostgresError 22P05`: the summary as one short string. */
export function errorLabel(err: unknown): string {
  const s = errorSummary(err);
  return s.code ? `${s.name} ${s.code}` : s.name;
}

/** SQLSTATE class 22 (data exception) or 54 (program limit): the value, not the database, is at fault. */
export function isDataError(err: unknown): boolean {
  const code = errorSummary(err).code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('54'));
}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT']);

/**
 * The database (or the network to it) went away: SQLSTATE class 08 (connection), 57P (shut down,
 * cannot connect now), 53 (too many connections), or a socket error. Worth retrying, never a
 * reason to give an update up.
 */
export function isConnectionError(err: unknown): boolean {
  const code = errorSummary(err).code;
  if (!code) return false;
  return CONNECTION_CODES.has(code) || code.startsWith('08') || code.startsWith('57P') || code.startsWith('53');
}
