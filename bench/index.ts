// npm run bench [-- --reports N] [-- --pending N --due N --timer-concurrency N]: the pipeline bench
// (villagers reporting through the Telegram webhook; see bench/pipeline.ts),
// then the deadline-timers bench, each in its own process; each gets the options it knows.
import { spawnSync } from 'node:child_process';

const TIMER_OPTIONS = new Set(['--pending', '--due', '--timer-concurrency', '--lead-ms']);
const SHARED_OPTIONS = new Set(['--redis']);
const pipeline: string[] = [];
const timers: string[] = [];
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  const name = args[i]!.split('=')[0]!;
  const withValue = !args[i]!.includes('=') && i + 1 < args.length ? [args[i]!, args[++i]!] : [args[i]!];
  if (TIMER_OPTIONS.has(name)) timers.push(...withValue);
  else if (SHARED_OPTIONS.has(name)) {
    pipeline.push(...withValue);
    timers.push(...withValue);
  } else pipeline.push(...withValue);
}

let failed = false;
for (const [file, list] of [['bench/pipeline.ts', pipeline], ['bench/timers.ts', timers]] as const) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', file, ...list], { stdio: 'inherit' });
  failed ||= r.status !== 0;
}
process.exitCode = failed ? 1 : 0;
