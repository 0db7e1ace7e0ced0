// An operation's refusal, said in the reader's language: its own file so that the CLI can name it
// without loading the operations (and the store) when the running service does the work.
export class OpError extends Error {
  override readonly name = 'OpError';
  /** `key` is a locale key under cli:errors; `params` fill it. */
  constructor(
    readonly key: string,
    readonly params: Record<string, unknown> = {},
    readonly details?: unknown,
  ) {
    super(key);
  }
}
