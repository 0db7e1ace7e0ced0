import { describe, expect, it } from 'vitest';
import { climb, ladderTop, reopenLevel } from '../../../src/domain/ladder.js';

describe('the ladder', () => {
  it('keeps small matters in the village and big ones in the township', () => {
    expect(ladderTop('small')).toBe('village');
    expect(ladderTop('big')).toBe('township');
  });

  it('climbs a small matter to the village, then only alerts the township', () => {
    expect(climb('small', 'unit')).toEqual({ to: 'village', alert: 'village' });
    expect(climb('small', 'village')).toEqual({ to: null, alert: 'township' });
  });

  it('climbs a big matter to the township, then only alerts the county', () => {
    expect(climb('big', 'unit')).toEqual({ to: 'village', alert: 'village' });
    expect(climb('big', 'village')).toEqual({ to: 'township', alert: 'township' });
    expect(climb('big', 'township')).toEqual({ to: null, alert: 'county' });
  });

  it('never climbs past the county', () => {
    expect(climb('big', 'county')).toEqual({ to: null, alert: 'county' });
  });

  it('reopens one level above the level that closed it, within the ladder', () => {
    expect(reopenLevel('small', 'unit')).toBe('village');
    expect(reopenLevel('small', 'village')).toBe('village');
    expect(reopenLevel('big', 'village')).toBe('township');
    expect(reopenLevel('big', 'township')).toBe('township');
  });
});
