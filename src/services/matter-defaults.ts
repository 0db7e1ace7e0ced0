// What a new matter starts as (size, topic) from the roster's matter_defaults, the topic list
// officers pick from, and the village alert an urgent hazard raises at once.
import { DEFAULT_MATTER_DEFAULTS, DEFAULT_TOPIC_CODES, startingPoint, type MatterDefaultRule } from '../domain/index.js';
import type { Category, Size } from '../domain/types.js';
import type { Executor } from '../store/db.js';
import type { NewDelivery } from '../store/repositories/delivery-repository.js';
import { findNode } from '../store/repositories/grid-repository.js';
import { listTopics } from '../store/repositories/matter-defaults-repository.js';
import type { MatterRow } from '../store/repositories/matter-repository.js';
import { findPerson } from '../store/repositories/people-repository.js';
import { alertDeliveries } from './alert-service.js';
import { matterDefaultRows } from './policy-cache.js';

/** The size and topic a matter of this category (and urgency) starts with; the roster's rows win. */
export async function startingPointFor(db: Executor, matter: { category: Category; urgent: boolean }): Promise<{ size: Size; topic: string }> {
  const rows = await matterDefaultRows(db);
  const rules: MatterDefaultRule[] = [...DEFAULT_MATTER_DEFAULTS, ...rows.map((r) => ({ category: r.category as MatterDefaultRule['category'], urgent: r.urgent, size: r.size as Size | null, topic: r.topic }))];
  return startingPoint(rules, matter);
}

/** A topic to offer: its code and, when the roster names it, that name (else the locale's). */
export interface TopicChoice {
  code: string;
  name: string | null;
}

/** The roster's topic list, or the built-in one when the roster lists none. */
export async function topicChoices(db: Executor): Promise<TopicChoice[]> {
  const rows = await listTopics(db);
  return rows.length ? rows.map((r) => ({ code: r.code, name: r.name })) : DEFAULT_TOPIC_CODES.map((code) => ({ code, name: null }));
}

/** Topic codes to names as the roster writes them (for figures and cards). */
export async function topicNames(db: Executor): Promise<Map<string, string>> {
  return new Map((await listTopics(db)).map((r) => [r.code, r.name]));
}

/**
 * 隐患 with someone in danger now: the village is told at once, quiet hours or not. Its group sees
 * the category, grid, reference and level; the villager's words are behind a button.
 */
export async function urgentAlert(tx: Executor, matter: MatterRow, now: Date): Promise<NewDelivery[]> {
  const unit = await findNode(tx, matter.gridNodeId);
  const village = unit?.parentId ? await findNode(tx, unit.parentId) : undefined;
  if (!unit || !village) return [];
  return alertDeliveries(tx, { node: village, template: 'urgent_hazard', params: { grid: unit.name, level: matter.level }, matter, atOnce: true, now });
}

/**
 * What a card adds about a matter for one viewer: the topic's roster name, and the villager's
 * phone — only for the one who holds the matter (亮身份 both ways: they may need to call).
 */
export async function cardFacts(db: Executor, matter: Pick<MatterRow, 'topic' | 'assigneeId' | 'reporterId' | 'state'>, viewerId: string | null): Promise<{ topicName: string | null; phone: string | null }> {
  const names = await topicNames(db);
  const holder = viewerId !== null && matter.assigneeId === viewerId && matter.state === 'open' && matter.reporterId;
  const phone = holder ? ((await findPerson(db, matter.reporterId!))?.phone ?? null) : null;
  return { topicName: names.get(matter.topic) ?? null, phone };
}
