// For profiling only (GRIDLINE_QUERY_STATS=<file>): counts the statements each query text was sent
// as, and writes them to the file when the process exits. No parameters are kept.
import { writeFileSync } from 'node:fs';

export function queryStatsDebug(): ((connection: number, query: string) => void) | undefined {
  const file = process.env.GRIDLINE_QUERY_STATS;
  if (!file) return undefined;
  const counts = new Map<string, number>();
  process.on('exit', () => {
    const rows = [...counts].sort((a, b) => b[1] - a[1]);
    const total = rows.reduce((n, [, c]) => n + c, 0);
    writeFileSync(file, `${total} statements\n${rows.map(([q, c]) => `${String(c).padStart(7)}  ${q}`).join('\n')}\n`);
  });
  return (_connection, query) => {
    const q = query.replace(/\s+/g, ' ').slice(0, 400);
    counts.set(q, (counts.get(q) ?? 0) + 1);
  };
}
