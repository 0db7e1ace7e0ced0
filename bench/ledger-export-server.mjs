// The service side of the ledger-export bench, in its own process so its memory is its own: the
// real app server as deployed (the built JavaScript in dist/, plain node, no TypeScript runtime),
// runtime without queues, with the desk's export routes; the reader is named by a header. It samples its RSS every 20 ms and tells the bench the peak when asked.
import { createAppServer } from '../dist/app/http.js';
import { createRuntime } from '../dist/app/runtime.js';
import { createLogger } from '../dist/logger.js';

const logger = createLogger({ level: 'warn' });
const runtime = await createRuntime({ store: { kind: 'postgres', url: process.env.BENCH_DB, poolSize: 4 }, queue: null, logger });
const http = createAppServer({ runtime, logger, adminToken: 'bench', viewerOf: (req) => req.headers['x-bench-viewer'] ?? null });
await http.listen({ host: '127.0.0.1', port: 0 });
const port = http.server.address().port;

let peak = process.memoryUsage().rss;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
process.on('message', async (m) => {
  if (m.ask === 'reset') {
    global.gc?.();
    peak = process.memoryUsage().rss;
    process.send?.({ rss: peak });
  }
  if (m.ask === 'peak') process.send?.({ rss: Math.max(peak, process.memoryUsage().rss) });
  if (m.ask === 'stop') {
    clearInterval(sampler);
    await http.close();
    await runtime.close();
    process.exit(0);
  }
});
process.send?.({ port, rss: peak });
