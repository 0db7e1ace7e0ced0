import { describe, expect, it } from 'vitest';
import { alertsAtOnce, clockMinutes, holdAlert, inQuietHours, previousDay, wallClock } from '../../../src/domain/alert-policy.js';

const SH = 'Asia/Shanghai';
// 2026-11-27 in Shanghai is UTC+8 all year.
const at = (local: string, offset = '+08:00') => new Date(`2026-11-27T${local}:00${offset}`);

describe('quiet hours', () => {
  it('holds from 22:00 to 07:00 local, across midnight, in the node zone', () => {
    expect(inQuietHours(at('21:59'), SH)).toBe(false);
    expect(inQuietHours(at('22:00'), SH)).toBe(true);
    expect(inQuietHours(at('23:30'), SH)).toBe(true);
    expect(inQuietHours(new Date('2026-11-27T18:30:00Z'), SH)).toBe(true); // 02:30 on the 28th
    expect(inQuietHours(at('06:59'), SH)).toBe(true);
    expect(inQuietHours(at('07:00'), SH)).toBe(false);
    expect(inQuietHours(at('12:00'), SH)).toBe(false);
  });

  it('reads the clock in the zone, not the server', () => {
    // 14:30 UTC is 22:30 in Shanghai and 09:30 in Santiago (UTC-3 in November).
    const t = new Date('2026-11-27T14:30:00Z');
    expect(inQuietHours(t, SH)).toBe(true);
    expect(inQuietHours(t, 'America/Santiago')).toBe(false);
    expect(wallClock(t, 'America/Santiago')).toEqual({ day: '2026-11-27', minutes: 11 * 60 + 30 });
    expect(wallClock(new Date('2026-11-27T16:30:00Z'), SH)).toEqual({ day: '2026-11-28', minutes: 30 });
  });

  it('takes a daytime window and none at all', () => {
    expect(inQuietHours(at('12:30'), SH, { from: '12:00', to: '14:00' })).toBe(true);
    expect(inQuietHours(at('14:00'), SH, { from: '12:00', to: '14:00' })).toBe(false);
    expect(inQuietHours(at('23:00'), SH, { from: '00:00', to: '00:00' })).toBe(false);
  });

  it('refuses a malformed time of day', () => {
    expect(clockMinutes('07:30')).toBe(450);
    expect(() => clockMinutes('7:30')).toThrow(RangeError);
    expect(() => clockMinutes('24:00')).toThrow(RangeError);
  });

  it('lets disputes and urgent hazards through, and holds the rest', () => {
    expect(alertsAtOnce({ category: 'dispute' })).toBe(true);
    expect(alertsAtOnce({ category: 'hazard', urgent: true })).toBe(true);
    expect(alertsAtOnce({ category: 'hazard', urgent: false })).toBe(false);
    expect(alertsAtOnce({ category: 'complaint', urgent: true })).toBe(false);
    const night = at('23:00');
    const quiet = { from: '22:00', to: '07:00' };
    expect(holdAlert(night, SH, quiet, { category: 'complaint' })).toBe(true);
    expect(holdAlert(night, SH, quiet, { category: 'dispute' })).toBe(false);
    expect(holdAlert(night, SH, quiet, null)).toBe(true);
    expect(holdAlert(at('10:00'), SH, quiet, { category: 'complaint' })).toBe(false);
  });

  it('steps back a day across months and years', () => {
    expect(previousDay('2026-03-01')).toBe('2026-02-28');
    expect(previousDay('2027-01-01')).toBe('2026-12-31');
  });
});
