// The figures of a grid node's subtree, computed in SQL over matters and their event log.
// Written to run the same on Postgres 15 and on PGlite.
import { asc, inArray, isNull, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../db.js';
import { queryRows } from '../raw.js';
import { departments, faqAnswers, gridNodes, matterEvents, matters } from '../schema.js';

export type GridNodeRow = typeof gridNodes.$inferSelect;

export interface StatsScope {
  /** Names the scope in the rows returned (e.g. the node's id). */
  key: string;
  /** The node's path: the node itself and every node below it. */
  path: string;
  /** Zone the dates are read in. */
  timezone: string;
  /** Reported on or after this day (YYYY-MM-DD), in `timezone`. */
  from?: string | null;
  /** Reported on or before this day (YYYY-MM-DD, the whole day), in `timezone`. */
  to?: string | null;
}

/** One row per category, and one with `total` true for all of them. */
export interface MatterFiguresRow extends Record<string, unknown> {
  /** The scope's key. */
  key: string;
  total: boolean;
  category: string | null;
  accepted: number;
  settled: number;
  open: number;
  withdrawn: number;
  firstContact: number;
  settledUnit: number;
  settledVillage: number;
  settledTownship: number;
  settledCounty: number;
  responseEligible: number;
  responded: number;
  evaluated: number;
  satisfied: number;
  basicallySatisfied: number;
  unsatisfied: number;
  medianAcceptMinutes: number | null;
  acceptSamples: number;
  medianSettleMinutes: number | null;
  settleSamples: number;
  missedAccept: number;
  missedReply: number;
  missedSettle: number;
  missedTotal: number;
  /** Open and past the time limit now. */
  overdue: number;
  /** 督办: supervised by a cadre at some point. */
  supervised: number;
  /** 代办: filed by an officer for a villager (the villager is the reporter). */
  errands: number;
}

export interface DepartmentFiguresRow extends Record<string, unknown> {
  key: string;
  departmentId: string;
  code: string | null;
  name: string | null;
  summoned: number;
  reportedIn: number;
  reportedLate: number;
  signedOff: number;
  ratings: number;
  averageRating: number | null;
}

export async function rootNodes(db: Executor): Promise<GridNodeRow[]> {
  return db.select().from(gridNodes).where(isNull(gridNodes.parentId)).orderBy(asc(gridNodes.path));
}

/** The scopes as rows: key, path, zone and days. */
function rootsCte(scopes: readonly StatsScope[]): SQL {
  const rows = scopes.map((x) => sql`(${x.key}::text, ${x.path}::text, ${x.timezone}::text, ${x.from ?? null}::date, ${x.to ?? null}::date)`);
  return sql`roots (key, path, tz, d_from, d_to) as (values ${sql.join(rows, sql`, `)})`;
}

/** `at` falls within the root's days, read in its zone. */
const withinDays = (at: SQL) => sql`(r.d_from is null or ${at} >= (r.d_from::timestamp at time zone r.tz))
    and (r.d_to is null or ${at} < ((r.d_to + 1)::timestamp at time zone r.tz))`;

/** The matters of each scope (`root` is its key): reported in the subtree within the days. A matter may be in several scopes. */
function scopeCte(scopes: readonly StatsScope[]): SQL {
  return sql`${rootsCte(scopes)},
  scope as (
    select r.key as root, r.tz, m.id, m.category::text as category, m.state::text as state, m.level::text as level,
           m.reporter_id, m.recorded_by_id, m.first_assignee_id, m.created_at, m.due_at, m.supervised
    from roots r
    join ${gridNodes} g on (g.path = r.path or starts_with(g.path, r.path || '/'))
    join ${matters} m on m.grid_node_id = g.id
    where ${withinDays(sql`m.created_at`)}
  )`;
}

/** One row per scope and category, and one per scope with `total` true. `now` decides what is overdue. */
export async function matterFigures(db: Executor, scopes: readonly StatsScope[], now: Date): Promise<MatterFiguresRow[]> {
  if (!scopes.length) return [];
  // The ledger's order is the id order; times come from `at`.
  const rows = await queryRows<MatterFiguresRow>(
    db,
    sql`with ${scopeCte(scopes)},
    facts as (
      select s.root, s.category, s.state,
             (s.state = 'open' and s.due_at is not null and s.due_at < ${now.toISOString()}::timestamptz) as is_overdue,
             (s.supervised or a.was_supervised) as was_supervised,
             (s.reporter_id is not null and s.recorded_by_id is not null) as is_errand,
             s.state in ('settled', 'closed') as is_settled,
             coalesce(
               ls.level_to::text, ls.level_from::text,
               (select p.level_to::text from ${matterEvents} p
                 where p.matter_id = s.id and p.id < ls.id and p.level_to is not null
                 order by p.id desc limit 1),
               s.level) as settle_level,
             (ls.actor_id is not null and ls.actor_id = s.first_assignee_id and not a.escalated_or_reopened) as first_contact,
             a.responded_at,
             case when s.state = 'withdrawn' and (a.responded_at is null or a.responded_at > a.withdrawn_at)
                  then false else true end as response_eligible,
             (extract(epoch from (a.responded_at - s.created_at)) / 60)::float8 as accept_minutes,
             (extract(epoch from (a.first_settle_at - s.created_at)) / 60)::float8 as settle_minutes,
             r.rating,
             a.missed_accept, a.missed_reply, a.missed_settle, a.missed_total
      from scope s
      left join lateral (
        select e.id, e.actor_id, e.level_from, e.level_to from ${matterEvents} e
        where e.matter_id = s.id and e.action = 'settle' order by e.id desc limit 1
      ) ls on true
      left join lateral (
        select
          min(e.at) filter (where e.action in ('take', 'reply') and e.actor_id is not null
                              and e.actor_id is distinct from s.reporter_id) as responded_at,
          min(e.at) filter (where e.action = 'withdraw') as withdrawn_at,
          min(e.at) filter (where e.action = 'settle') as first_settle_at,
          coalesce(bool_or(e.action in ('escalate', 'reopen')), false) as escalated_or_reopened,
          coalesce(bool_or(e.action = 'supervise'), false) as was_supervised,
          count(*) filter (where e.action = 'deadline_missed' and e.data->>'limit' = 'accept') as missed_accept,
          count(*) filter (where e.action = 'deadline_missed' and e.data->>'limit' = 'reply') as missed_reply,
          count(*) filter (where e.action = 'deadline_missed' and e.data->>'limit' = 'settle') as missed_settle,
          count(*) filter (where e.action = 'deadline_missed') as missed_total
        from ${matterEvents} e where e.matter_id = s.id
      ) a on true
      left join lateral (
        select e.data->>'rating' as rating from ${matterEvents} e
        where e.matter_id = s.id and e.action = 'evaluate'
          and e.data->>'rating' in ('satisfied', 'basically_satisfied', 'unsatisfied')
        order by e.id desc limit 1
      ) r on true
    )
    select root as key, grouping(category) = 1 as total, category,
      count(*)::int as accepted,
      count(*) filter (where is_settled)::int as settled,
      count(*) filter (where state = 'open')::int as open,
      count(*) filter (where state = 'withdrawn')::int as withdrawn,
      count(*) filter (where is_settled and first_contact)::int as "firstContact",
      count(*) filter (where is_settled and settle_level = 'unit')::int as "settledUnit",
      count(*) filter (where is_settled and settle_level = 'village')::int as "settledVillage",
      count(*) filter (where is_settled and settle_level = 'township')::int as "settledTownship",
      count(*) filter (where is_settled and settle_level = 'county')::int as "settledCounty",
      count(*) filter (where response_eligible)::int as "responseEligible",
      count(*) filter (where response_eligible and responded_at is not null)::int as responded,
      count(rating)::int as evaluated,
      count(*) filter (where rating = 'satisfied')::int as satisfied,
      count(*) filter (where rating = 'basically_satisfied')::int as "basicallySatisfied",
      count(*) filter (where rating = 'unsatisfied')::int as unsatisfied,
      percentile_cont(0.5) within group (order by accept_minutes) as "medianAcceptMinutes",
      count(accept_minutes)::int as "acceptSamples",
      percentile_cont(0.5) within group (order by settle_minutes) as "medianSettleMinutes",
      count(settle_minutes)::int as "settleSamples",
      coalesce(sum(missed_accept), 0)::int as "missedAccept",
      coalesce(sum(missed_reply), 0)::int as "missedReply",
      coalesce(sum(missed_settle), 0)::int as "missedSettle",
      coalesce(sum(missed_total), 0)::int as "missedTotal",
      count(*) filter (where is_overdue)::int as overdue,
      count(*) filter (where was_supervised)::int as supervised,
      count(*) filter (where is_errand)::int as errands
    from facts
    group by grouping sets ((root, category), (root))
    order by root, total, category`,
  );
  return rows.map((r) => ({
    ...r,
    medianAcceptMinutes: r.medianAcceptMinutes === null ? null : Number(r.medianAcceptMinutes),
    medianSettleMinutes: r.medianSettleMinutes === null ? null : Number(r.medianSettleMinutes),
  }));
}

/** 网格吹哨、部门报到: what each summoned department did on the matters in scope. */
export async function departmentFigures(db: Executor, scopes: readonly StatsScope[]): Promise<DepartmentFiguresRow[]> {
  if (!scopes.length) return [];
  const rows = await queryRows<DepartmentFiguresRow>(
    db,
    sql`with ${scopeCte(scopes)},
    ev as (
      select s.root, e.action, e.data from ${matterEvents} e join scope s on s.id = e.matter_id
      where e.action in ('whistle', 'report_in', 'sign_off', 'rate_department')
    ),
    mentions as (
      select ev.root, x.department_id, 'whistle'::text as action, false as late, null::float8 as rating
      from ev cross join lateral jsonb_array_elements_text(
        case when jsonb_typeof(ev.data->'departmentIds') = 'array' then ev.data->'departmentIds' else '[]'::jsonb end
      ) as x(department_id)
      where ev.action = 'whistle'
      union all
      select ev.root, ev.data->>'departmentId', ev.action,
             coalesce(ev.data->'late' = 'true'::jsonb, false),
             case when jsonb_typeof(ev.data->'rating') = 'number' then (ev.data->>'rating')::float8 end
      from ev
      where ev.action <> 'whistle' and ev.data->>'departmentId' is not null
    )
    select mn.root as key, mn.department_id as "departmentId", d.code, d.name,
      count(*) filter (where mn.action = 'whistle')::int as summoned,
      count(*) filter (where mn.action = 'report_in')::int as "reportedIn",
      count(*) filter (where mn.action = 'report_in' and mn.late)::int as "reportedLate",
      count(*) filter (where mn.action = 'sign_off')::int as "signedOff",
      count(mn.rating) filter (where mn.action = 'rate_department' and mn.rating between 1 and 5)::int as ratings,
      avg(mn.rating) filter (where mn.action = 'rate_department' and mn.rating between 1 and 5) as "averageRating"
    from mentions mn left join ${departments} d on d.id::text = mn.department_id
    group by mn.root, mn.department_id, d.code, d.name
    order by mn.root, summoned desc, d.code nulls last, mn.department_id`,
  );
  return rows.map((r) => ({ ...r, averageRating: r.averageRating === null ? null : Number(r.averageRating) }));
}

/** 多网合一: matters in scope by topic (and how many of them are big). */
export interface TopicFiguresRow extends Record<string, unknown> {
  key: string;
  topic: string;
  accepted: number;
  settled: number;
  open: number;
  big: number;
}

export async function topicFigures(db: Executor, scopes: readonly StatsScope[]): Promise<TopicFiguresRow[]> {
  if (!scopes.length) return [];
  return queryRows<TopicFiguresRow>(
    db,
    sql`with ${scopeCte(scopes)}
    select s.root as key, m.topic,
      count(*)::int as accepted,
      count(*) filter (where s.state in ('settled', 'closed'))::int as settled,
      count(*) filter (where s.state = 'open')::int as open,
      count(*) filter (where m.size = 'big')::int as big
    from scope s join ${matters} m on m.id = s.id
    group by s.root, m.topic
    order by s.root, accepted desc, m.topic`,
  );
}

/** Settled matters of each scope by the week (its Monday, in the scope's zone) they were last settled in. */
export interface WeekFiguresRow extends Record<string, unknown> {
  key: string;
  week: string;
  settled: number;
}

export async function settledByWeek(db: Executor, scopes: readonly StatsScope[]): Promise<WeekFiguresRow[]> {
  if (!scopes.length) return [];
  return queryRows<WeekFiguresRow>(
    db,
    sql`with ${scopeCte(scopes)},
    settled as (
      select s.root, s.tz,
        (select max(e.at) from ${matterEvents} e where e.matter_id = s.id and e.action = 'settle') as settled_at
      from scope s where s.state in ('settled', 'closed')
    ),
    weeks as (
      select root, to_char(date_trunc('week', settled_at at time zone tz), 'YYYY-MM-DD') as week
      from settled where settled_at is not null
    )
    select root as key, week, count(*)::int as settled
    from weeks
    group by root, week
    order by root, week`,
  );
}

/** 答疑: questions the FAQ answered in each scope's subtree within its days that did not go on to become a matter. */
export interface FaqFiguresRow extends Record<string, unknown> {
  key: string;
  answered: number;
}

export async function faqFigures(db: Executor, scopes: readonly StatsScope[]): Promise<FaqFiguresRow[]> {
  if (!scopes.length) return [];
  return queryRows<FaqFiguresRow>(
    db,
    sql`with ${rootsCte(scopes)}
    select r.key, count(*)::int as answered
    from roots r
    join ${gridNodes} g on (g.path = r.path or starts_with(g.path, r.path || '/'))
    join ${faqAnswers} f on f.grid_node_id = g.id
    where f.matter_id is null and ${withinDays(sql`f.answered_at`)}
    group by r.key`,
  );
}

/** The nodes directly below any of `parentIds`, in tree order. */
export async function childNodes(db: Executor, parentIds: readonly string[]): Promise<GridNodeRow[]> {
  if (!parentIds.length) return [];
  return db.select().from(gridNodes).where(inArray(gridNodes.parentId, [...parentIds])).orderBy(asc(gridNodes.path));
}
