// postgres-js runs a statement with parameters that is not prepared in two round trips: it asks the
// server for the parameters' types (Parse/Describe/Sync), waits, then binds and executes. Drizzle
// asks for every query it builds to be unprepared, so each of them paid that second round trip, and
// the connection's pipeline stalled behind it. Through this wrapper a statement with parameters is
// prepared: parsed once per connection under a name, then one round trip each time it runs.
//
// Prepared statements live on the server until their connection closes (postgres-js recycles
// connections every 30–60 minutes). Texts built with varying shapes (IN lists of any length, bulk
// inserts of any size) would each be one more, so only the first MAX_TEXTS distinct texts are
// prepared; any later new text runs as before.
import type { Sql } from 'postgres';

export const MAX_TEXTS = 4000;

type Callback = (sql: unknown) => unknown;

export function preparingClient<T extends Sql<any>>(client: T, maxTexts = MAX_TEXTS): T {
  const texts = new Set<string>();
  const shouldPrepare = (text: string, params: unknown[] | undefined): boolean => {
    if (!params?.length) return false;
    if (texts.has(text)) return true;
    if (texts.size >= maxTexts) return false;
    texts.add(text);
    return true;
  };
  const wrap = <S extends object>(sql: S): S =>
    new Proxy(sql, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (typeof value !== 'function') return value;
        const fn = value as (...args: unknown[]) => unknown;
        if (prop === 'unsafe')
          return (text: string, params?: unknown[], options?: Record<string, unknown>) =>
            fn.call(target, text, params, shouldPrepare(text, params) ? { ...options, prepare: true } : options);
        // A transaction's (and a savepoint's) own handle is wrapped the same way.
        if (prop === 'begin' || prop === 'savepoint')
          return (...args: unknown[]) => {
            const at = args.findIndex((a) => typeof a === 'function');
            if (at >= 0) {
              const callback = args[at] as Callback;
              args[at] = (inner: object) => callback(wrap(inner));
            }
            return fn.apply(target, args);
          };
        return value;
      },
    });
  return wrap(client);
}
