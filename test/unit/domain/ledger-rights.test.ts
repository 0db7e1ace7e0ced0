import { describe, expect, it } from 'vitest';
import { mayReadLedger, mayReadResidentPhones } from '../../../src/domain/roles.js';
import type { GridLevel, Role } from '../../../src/domain/types.js';

const at = (role: Role, level: GridLevel, path: string, phoneRoles: string[] | null = null) => ({ role, node: { id: path, level, path, phoneRoles } });

describe('who takes the ledger as a file, and with whose phones', () => {
  it('lets staff covering the node take it, and nobody else', () => {
    expect(mayReadLedger([at('cadre', 'township', 'fenyi/huze')], 'fenyi/huze/shuichuan')).toBe(true);
    expect(mayReadLedger([at('cadre', 'township', 'fenyi/shuanglin')], 'fenyi/huze/shuichuan')).toBe(false);
    expect(mayReadLedger([at('cadre', 'township', 'fenyi/huze')], 'fenyi/huzeh')).toBe(false);
    expect(mayReadLedger([at('villager', 'unit', 'fenyi/huze/shuichuan/g03')], 'fenyi/huze/shuichuan/g03')).toBe(false);
    expect(mayReadLedger([at('liaison', 'county', 'fenyi')], 'fenyi')).toBe(false);
  });

  it('gives villagers’ phones to the village and below, above it only to roles the roster lists', () => {
    expect(mayReadResidentPhones([at('officer_full', 'unit', 'fenyi/huze/shuichuan/g03')], 'fenyi/huze/shuichuan/g03')).toBe(true);
    expect(mayReadResidentPhones([at('cadre', 'village', 'fenyi/huze/shuichuan')], 'fenyi/huze/shuichuan')).toBe(true);
    expect(mayReadResidentPhones([at('cadre', 'township', 'fenyi/huze')], 'fenyi/huze/shuichuan')).toBe(false);
    expect(mayReadResidentPhones([at('cadre', 'township', 'fenyi/huze', ['grid_leader'])], 'fenyi/huze/shuichuan')).toBe(false);
    expect(mayReadResidentPhones([at('cadre', 'township', 'fenyi/huze', ['cadre'])], 'fenyi/huze/shuichuan')).toBe(true);
    expect(mayReadResidentPhones([at('cadre', 'county', 'fenyi')], 'fenyi/huze')).toBe(false);
    // A village cadre asking for the township above her gets no ledger at all (mayReadLedger), and no phones.
    expect(mayReadResidentPhones([at('cadre', 'village', 'fenyi/huze/shuichuan')], 'fenyi/huze')).toBe(false);
  });
});
