// npm run bench [-- --reports N] [-- --pending N --due N --timer-concurrency N]
// [-- --broadcast-villagers N --broadcast-matters M]: the pipeline bench (villagers reporting
// through the Telegram webhook; see bench/pipeline.ts), then the deadline-timers bench, then the
// broadcast bench (a notice to N villagers at Telegram's limits; see bench/broadcast.ts), each in
// its own process; each gets the options it knows.
import { spawnSync } from 'node:child_process';

const TIMER_OPTIONS = new Set(['--pending', '--due', '--timer-concurrency', '--lead-ms']);
const BROADCAST_OPTIONS = new Set(['--broadcast-villagers', '--broadcast-matters', '--broadcast-concurrency', '--broadcast-think-ms']);
const SHARED_OPTIONS = new Set(['--redis']);
/** Options of the benches that drive the service through Telegram. */
const SERVICE_OPTIONS = new Set(['--pg-admin']);
const pipeline: string[] = [];
const timers: string[] = [];
const broadcast: string[] = [];
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  const name = args[i]!.split('=')[0]!;
  const withValue = !args[i]!.includes('=') && i + 1 < args.length ? [args[i]!, args[++i]!] : [args[i]!];
  if (TIMER_OPTIONS.has(name)) timers.push(...withValue);
  else if (BROADCAST_OPTIONS.has(name)) broadcast.push(...withValue);
  else if (SHARED_OPTIONS.has(name)) {
    pipeline.push(...withValue);
    timers.push(...withValue);
    broadcast.push(...withValue);
  } else if (SERVICE_OPTIONS.has(name)) {
    pipeline.push(...withValue);
    broadcast.push(...withValue);
  } else pipeline.push(...withValue);
}

let failed = false;
for (const [file, list] of [['bench/pipeline.ts', pipeline], ['bench/timers.ts', timers], ['bench/broadcast.ts', broadcast]] as const) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', file, ...list], { stdio: 'inherit' });
  failed ||= r.status !== 0;
}
process.exitCode = failed ? 1 : 0;
