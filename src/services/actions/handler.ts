// The shape every action handler has: optional checks before the transaction, then the writes
// under the matter's lock. performAction decides who may act (decide, in the domain) before it
// dispatches here; a handler only does what its action does.
import { randomUUID } from 'node:crypto';
import type { ActionName, DeadlineRules, RequestOf, TimeLimitPolicy } from '../../domain/index.js';
import type { Executor } from '../../store/db.js';
import type { NewDelivery } from '../../store/repositories/delivery-repository.js';
import type { GridNodeRow } from '../../store/repositories/grid-repository.js';
import type { MatterRow, NewMatterEvent } from '../../store/repositories/matter-repository.js';
import type { OutboxJob } from '../../ports/jobs.js';
import type { Placement } from '../../store/repositories/people-repository.js';
import type { SummonsFailure, SummonsResult, SummonsScope } from '../whistle-service.js';

export type ActionFailure =
  | 'not_found'
  | 'not_permitted'
  | 'not_now'
  | 'too_soon'
  | 'invalid_target'
  | 'empty'
  | 'too_long'
  /** Settling while a summoned department has not signed off. */
  | 'departments_pending'
  | 'invalid_rating';

/** What a handler's check sees: the matter as loaded, outside any transaction. */
export interface CheckScope {
  db: Executor;
  matter: MatterRow;
  /** The matter's grid and every node above it, nearest first. */
  chain: GridNodeRow[];
  actorId: string | null;
  placements: Placement[];
  now: Date;
  limits: TimeLimitPolicy[];
}

export type Checked<C> = { ok: true; value: C } | { ok: false; code: ActionFailure; retryAt?: Date };

/** A refusal found under the matter's lock; thrown to roll the transaction back. */
export class Refused extends Error {
  constructor(
    readonly code: SummonsFailure | 'departments_pending',
    readonly pending?: string[],
  ) {
    super(code);
  }
}

/** What a handler writes to, under the matter's lock; performAction commits it all at once. */
export class Work {
  readonly patch: Partial<MatterRow>;
  readonly events: NewMatterEvent[] = [];
  readonly deliveries: NewDelivery[] = [];
  readonly outbox: OutboxJob[] = [];
  /** The fields every event of this action shares. */
  readonly base: Omit<NewMatterEvent, 'action'>;
  /** The settle deadline starts again (a new holder or a new level). */
  restartClocks = false;
  notice: string | undefined;
  /** The name of whoever holds the matter after an escalation. */
  holderName: string | undefined;

  constructor(
    readonly tx: Executor,
    readonly matter: MatterRow,
    readonly step: { step: MatterRow['step']; state: MatterRow['state'] },
    readonly s: {
      chain: GridNodeRow[];
      actorId: string | null;
      actorName: string;
      /** The actor's post on this matter (titleOn). */
      title: string;
      now: Date;
      limits: TimeLimitPolicy[];
      rules: DeadlineRules;
      /** The words the action carries, trimmed. */
      text: string;
    },
  ) {
    this.patch = { step: step.step, state: step.state };
    this.base = { matterId: matter.id, at: s.now, actorId: s.actorId, stepFrom: matter.step, stepTo: step.step, levelFrom: matter.level, levelTo: matter.level };
  }

  /** Who reported it, or the officer who recorded it for them. */
  get reporter(): string | null {
    return this.matter.reporterId ?? this.matter.recordedById;
  }

  /** The actor as a villager's message names them. */
  get who(): { assignee: string; title: string } {
    return { assignee: this.s.actorName, title: this.s.title };
  }

  /** The unit grid's name. */
  get grid(): string {
    return this.s.chain[0]?.name ?? '';
  }

  /** Tells a person (never the actor, never twice the same template) about the matter. */
  tell(personId: string | null | undefined, template: string, params: Record<string, unknown>): void {
    const m = this.matter;
    if (personId && personId !== this.s.actorId && !this.deliveries.some((x) => x.personId === personId && x.template === template))
      this.deliveries.push({ id: randomUUID(), personId, matterId: m.id, template, params: { ref: m.ref, category: m.category, summary: m.summary, ...params } });
  }

  /** The scope the summons actions (吹哨报到) run in. */
  summonsScope(): SummonsScope {
    const { chain, actorId, actorName, title, now } = this.s;
    return { tx: this.tx, matter: this.matter, chain, actorId, actorName, title, now, base: this.base };
  }

  /** Keeps a summons action's writes; a refusal under the lock rolls back so the event may be tried again. */
  summonsDone(r: SummonsResult): void {
    if (!r.ok) throw new Refused(r.code);
    this.events.push(...r.events);
    this.deliveries.push(...r.deliveries);
    this.outbox.push(...r.outbox);
  }
}

export interface ActionHandler<A extends ActionName, C = undefined> {
  /** The words the action carries, trimmed (checked for length); none by default. */
  text?: (request: RequestOf<A>) => string;
  /** Refused as empty without words ('text') or without words and files ('text_or_files'). */
  needs?: 'text' | 'text_or_files';
  /** Lookups and refusals before the transaction. */
  check?: (scope: CheckScope, request: RequestOf<A>) => Promise<Checked<C>>;
  /** The action's writes, under the matter's lock. */
  apply: (work: Work, request: RequestOf<A>, checked: C) => Promise<void> | void;
  /** Leaves the matter's cards on chat platforms as they are (nothing on them changes). */
  keepsCard?: boolean;
}

/** Any action's handler, as the registry holds it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyHandler = ActionHandler<any, any>;

export const trimmed = (s: string | undefined): string => (s ?? '').trim();
