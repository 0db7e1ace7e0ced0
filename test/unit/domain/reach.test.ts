import { describe, expect, it } from 'vitest';
import { reachOrder, type ReachIdentity } from '../../../src/domain/reach.js';

const at = (iso: string) => new Date(`2026-03-04T${iso}:00Z`);
const id = (platform: ReachIdentity['platform'], lastSeen: string | null, created = '01:00'): ReachIdentity => ({ platform, lastSeenAt: lastSeen ? at(lastSeen) : null, createdAt: at(created) });

describe('reachOrder', () => {
  it('puts the platform last written from first', () => {
    const order = reachOrder([id('telegram', '08:00', '01:00'), id('slack', '09:30', '02:00')], null);
    expect(order.map((i) => i.platform)).toEqual(['slack', 'telegram']);
  });

  it('keeps the oldest link first when neither was ever written from', () => {
    expect(reachOrder([id('slack', null, '02:00'), id('telegram', null, '01:00')], null).map((i) => i.platform)).toEqual(['telegram', 'slack']);
  });

  it('prefers one written from over one never written from', () => {
    expect(reachOrder([id('telegram', null, '01:00'), id('slack', '03:00', '02:00')], null).map((i) => i.platform)).toEqual(['slack', 'telegram']);
  });

  it('puts the chosen platform first even when the other was used later', () => {
    const list = [id('telegram', '08:00'), id('slack', '09:30')];
    expect(reachOrder(list, 'telegram').map((i) => i.platform)).toEqual(['telegram', 'slack']);
  });

  it('ignores a choice the person has no identity on', () => {
    expect(reachOrder([id('telegram', '08:00'), id('slack', '09:30')], 'cli').map((i) => i.platform)).toEqual(['slack', 'telegram']);
  });

  it('does not change the list it was given', () => {
    const list = [id('telegram', '08:00'), id('slack', '09:30')];
    reachOrder(list, null);
    expect(list.map((i) => i.platform)).toEqual(['telegram', 'slack']);
  });
});
