// The time a test's runtime lives in. Quiet hours (22:00–07:00) and 纠纷不过夜's night branch read
// the wall clock in Asia/Shanghai, so a test that used the real time would pass or fail with the
// hour CI runs. A TestClock starts at a fixed instant (by default a Wednesday, 10:00 in Shanghai)
// and runs on from there at the real pace, so BullMQ's real delays and the runtime's `now` agree;
// a test that needs the night (or another day) sets it.

/** Wednesday 3 June 2026, 10:00 in Asia/Shanghai: daytime, a working day, before the dispute cut-off. */
export const DAYTIME = '2026-06-03T10:00:00+08:00';
/** The same Wednesday, 23:00 in Asia/Shanghai: in the default quiet hours and after the dispute cut-off. */
export const NIGHT = '2026-06-03T23:00:00+08:00';

export class TestClock {
  private offset: number;

  /** Starts at `at` (default DAYTIME) and runs on at the real pace. */
  constructor(at: Date | string = DAYTIME) {
    this.offset = new Date(at).getTime() - Date.now();
  }

  /** The runtime's `now`; pass it as `now: clock.now`. */
  readonly now = (): Date => new Date(Date.now() + this.offset);

  /** Jumps to `at`; the clock runs on from there. */
  set(at: Date | string): void {
    this.offset = new Date(at).getTime() - Date.now();
  }

  /** Moves the clock on by `ms` (back, if negative). */
  advance(ms: number): void {
    this.offset += ms;
  }

  /** How far this clock is from the real one; a child process shares the clock by starting with the same offset. */
  get offsetMs(): number {
    return this.offset;
  }

  /** A clock with this offset (e.g. in a forked worker, from `offsetMs`). */
  static withOffset(offsetMs: number): TestClock {
    const c = new TestClock();
    c.offset = offsetMs;
    return c;
  }
}

/** A fresh clock at DAYTIME. */
export const daytimeClock = (): TestClock => new TestClock(DAYTIME);
