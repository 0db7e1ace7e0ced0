// The figures of a grid node's subtree, computed in SQL over matters and their event log.
// Written to run the same on Postgres 15 and on PGlite.
import { asc, isNull, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../db.js';
import { queryRows } from '../raw.js';
import { departments, gridNodes, matterEvents, matters } from '../schema.js';

export type GridNodeRow = typeof gridNodes.$inferSelect;

export interface StatsScope {
  /** The node's path: the node itself and every node below it. */
  path: string;
  /** Zone the dates are read in. */
  timezone: string;
  /** Reported on or after this day (YYYY-MM-DD), in `timezone`. */
  from?: string;
  /** Reported on or before this day (YYYY-MM-DD, the whole day), in `timezone`. */
  to?: string;
}

/** One row per category, and one with `total` true for all of them. */
export interface MatterFiguresRow extends Record<string, unknown> {
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
}

export interface DepartmentFiguresRow extends Record<string, unknown> {
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

/** The matters in scope: reported in the subtree within the dates. */
function scopeCte(scope: StatsScope): SQL {
  const where: SQL[] = [sql`(g.path = ${scope.path} or starts_with(g.path, ${`${scope.path}/`}))`];
  if (scope.from) where.push(sql`m.created_at >= ((${scope.from}::date)::timestamp at time zone ${scope.timezone})`);
  if (scope.to) where.push(sql`m.created_at < ((${scope.to}::date + 1)::timestamp at time zone ${scope.timezone})`);
  return sql`scope as (
    select m.id, m.category::text as category, m.state::text as state, m.level::text as level,
           m.reporter_id, m.first_assignee_id, m.created_at
    from ${matters} m join ${gridNodes} g on g.id = m.grid_node_id
    where ${sql.join(where, sql` and `)}
  )`;
}

export async function matterFigures(db: Executor, scope: StatsScope): Promise<MatterFiguresRow[]> {
  // The ledger's order is the id order; times come from `at`.
  const rows = await queryRows<MatterFiguresRow>(
    db,
    sql`with ${scopeCte(scope)},
    facts as (
      select s.category, s.state,
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
    select grouping(category) = 1 as total, category,
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
      coalesce(sum(missed_total), 0)::int as "missedTotal"
    from facts
    group by grouping sets ((category), ())
    order by total, category`,
  );
  return rows.map((r) => ({
    ...r,
    medianAcceptMinutes: r.medianAcceptMinutes === null ? null : Number(r.medianAcceptMinutes),
    medianSettleMinutes: r.medianSettleMinutes === null ? null : Number(r.medianSettleMinutes),
  }));
}

/** 网格吹哨、部门报到: what each summoned department did on the matters in scope. */
export async function departmentFigures(db: Executor, scope: StatsScope): Promise<DepartmentFiguresRow[]> {
  const rows = await queryRows<DepartmentFiguresRow>(
    db,
    sql`with ${scopeCte(scope)},
    ev as (
      select e.action, e.data from ${matterEvents} e join scope s on s.id = e.matter_id
      where e.action in ('whistle', 'report_in', 'sign_off', 'rate_department')
    ),
    mentions as (
      select x.department_id, 'whistle'::text as action, false as late, null::float8 as rating
      from ev cross join lateral jsonb_array_elements_text(
        case when jsonb_typeof(ev.data->'departmentIds') = 'array' then ev.data->'departmentIds' else '[]'::jsonb end
      ) as x(department_id)
      where ev.action = 'whistle'
      union all
      select ev.data->>'departmentId', ev.action,
             coalesce(ev.data->'late' = 'true'::jsonb, false),
             case when jsonb_typeof(ev.data->'rating') = 'number' then (ev.data->>'rating')::float8 end
      from ev
      where ev.action <> 'whistle' and ev.data->>'departmentId' is not null
    )
    select mn.department_id as "departmentId", d.code, d.name,
      count(*) filter (where mn.action = 'whistle')::int as summoned,
      count(*) filter (where mn.action = 'report_in')::int as "reportedIn",
      count(*) filter (where mn.action = 'report_in' and mn.late)::int as "reportedLate",
      count(*) filter (where mn.action = 'sign_off')::int as "signedOff",
      count(mn.rating) filter (where mn.action = 'rate_department' and mn.rating between 1 and 5)::int as ratings,
      avg(mn.rating) filter (where mn.action = 'rate_department' and mn.rating between 1 and 5) as "averageRating"
    from mentions mn left join ${departments} d on d.id::text = mn.department_id
    group by mn.department_id, d.code, d.name
    order by summoned desc, d.code nulls last, mn.department_id`,
  );
  return rows.map((r) => ({ ...r, averageRating: r.averageRating === null ? null : Number(r.averageRating) }));
}

/** 多网合一: matters in scope by topic (and how many of them are big). */
export interface TopicFiguresRow extends Record<string, unknown> {
  topic: string;
  accepted: number;
  settled: number;
  open: number;
  big: number;
}

export async function topicFigures(db: Executor, scope: StatsScope): Promise<TopicFiguresRow[]> {
  return queryRows<TopicFiguresRow>(
    db,
    sql`with ${scopeCte(scope)}
    select m.topic,
      count(*)::int as accepted,
      count(*) filter (where s.state in ('settled', 'closed'))::int as settled,
      count(*) filter (where s.state = 'open')::int as open,
      count(*) filter (where m.size = 'big')::int as big
    from scope s join ${matters} m on m.id = s.id
    group by m.topic
    order by accepted desc, m.topic`,
  );
}
