// Who and where, as the conversations look them up: a person, the grid place, the departments a
// whistle may call, the villagers an officer may file for. Flows reach the store through here.
import type { Locale, Platform } from '../domain/types.js';
import type { Executor } from '../store/db.js';
import { departmentsOn, residentsUnder, type DepartmentChoice, type Resident } from '../store/repositories/desk-repository.js';
import { ancestry, findNode } from '../store/repositories/grid-repository.js';
import { findPerson, senderByIdentity, setOnLeave, type GridNodeRow, type PersonRow, type Placement } from '../store/repositories/people-repository.js';
import { setPersonLocale } from '../store/repositories/registration-repository.js';

export type { DepartmentChoice, GridNodeRow as GridPlace, PersonRow as Person, Placement, Resident };

/** The person behind a platform identity, with their places on the grid. */
export interface Sender {
  person: PersonRow;
  placements: Placement[];
}

export const personById = (db: Executor, id: string): Promise<PersonRow | undefined> => findPerson(db, id);

export const senderOf = (db: Executor, platform: Platform, externalId: string): Promise<Sender | undefined> => senderByIdentity(db, platform, externalId);

export const gridPlace = (db: Executor, id: string): Promise<GridNodeRow | undefined> => findNode(db, id);

/** Marks a member of staff on leave, or back. */
export const setPersonOnLeave = (db: Executor, personId: string, onLeave: boolean): Promise<void> => setOnLeave(db, personId, onLeave);

export const setLanguage = (db: Executor, personId: string, locale: Locale): Promise<void> => setPersonLocale(db, personId, locale);

/** Departments serving the place or any place above it, by code. */
export async function departmentsAbove(db: Executor, gridNodeId: string): Promise<DepartmentChoice[]> {
  const node = await findNode(db, gridNodeId);
  const chain = node ? await ancestry(db, node) : [];
  return departmentsOn(db, chain.map((n) => n.id));
}

/** Villagers registered under the grid paths (an officer's beat), at most `limit` (default 500). */
export const villagersUnder = (db: Executor, paths: readonly string[], limit?: number): Promise<Resident[]> => residentsUnder(db, paths, limit);
