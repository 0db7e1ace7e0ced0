import { describe, expect, it } from 'vitest';
import { SendWakes, takesWake } from '../../../src/services/send-wakes.js';

describe('SendWakes', () => {
  it('gives no wake to a queue nobody drains', () => {
    const wakes = new SendWakes();
    expect(wakes.handOver('person:a')).toBe(false);
    expect(takesWake(wakes, { recipient: 'person:a' })).toBe(false);
  });

  it('hands a wake to the job draining the queue, which reads again once, then ends', () => {
    const wakes = new SendWakes();
    const d = wakes.begin('person:a');
    expect(takesWake(wakes, { recipient: 'person:a' })).toBe(true);
    expect(wakes.handOver('person:b')).toBe(false);
    // Found the queue empty: a wake came, so it reads again.
    expect(wakes.settle(d)).toBe(true);
    // Nothing came since: it ends and takes no more.
    expect(wakes.settle(d)).toBe(false);
    expect(wakes.handOver('person:a')).toBe(false);
    expect(wakes.size).toBe(0);
  });

  it('never takes a wake for a job set for later', () => {
    const wakes = new SendWakes();
    wakes.begin('person:a');
    expect(takesWake(wakes, { recipient: 'person:a', at: new Date().toISOString() })).toBe(false);
  });

  it('a job that ends without reading for a wake it took says so (the caller queues a job for it)', () => {
    const wakes = new SendWakes();
    const d = wakes.begin('person:a');
    expect(wakes.handOver('person:a')).toBe(true);
    expect(wakes.end(d)).toBe(true);
    // Ending twice gives it back once.
    expect(wakes.end(d)).toBe(false);
    expect(wakes.handOver('person:a')).toBe(false);
  });

  it('wakes every job draining the queue, and keeps the queue while one still does', () => {
    const wakes = new SendWakes();
    const a = wakes.begin('person:a');
    const b = wakes.begin('person:a');
    expect(wakes.handOver('person:a')).toBe(true);
    expect(wakes.settle(a)).toBe(true);
    expect(wakes.settle(a)).toBe(false);
    // b still drains: a new wake goes to it.
    expect(wakes.handOver('person:a')).toBe(true);
    expect(wakes.settle(b)).toBe(true);
    expect(wakes.end(b)).toBe(false);
    expect(wakes.size).toBe(0);
  });
});
