// Text the CLI prints, in the reader's language. `--json` skips all of this.
import Table from 'cli-table3';
import { ROLES } from '../domain/types.js';
import { formatTime, translator } from '../i18n/index.js';

type Kind = 'import' | 'grids' | 'matters' | 'show' | 'report' | 'joincodes' | 'duty';

interface GridTree {
  code: string;
  name: string;
  level: string;
  kind: string;
  joinCode: string | null;
  households: number | null;
  people: Record<string, number>;
  children: GridTree[];
}

const table = (head: string[]) => new Table({ head, style: { head: [], border: [] } });

export function render(kind: Kind, data: unknown, locale: string, timezone: string): string {
  const tr = translator(locale);
  const time = (v: unknown) => (v ? formatTime(new Date(String(v)), locale, timezone) : '—');
  switch (kind) {
    case 'import': {
      const s = data as { changed: boolean; counts: Record<string, Record<string, number>>; absent: Record<string, string[]>; warnings: string[] };
      const lines = [s.changed ? tr('cli:import.applied') : tr('cli:import.unchanged')];
      for (const [what, c] of Object.entries(s.counts)) {
        lines.push(`  ${tr(`cli:import.kinds.${what}`)}: ${tr('cli:import.counts', { created: c.created ?? 0, updated: c.updated ?? 0, unchanged: c.unchanged ?? 0, removed: c.removed ?? 0 })}`);
      }
      for (const [what, codes] of Object.entries(s.absent)) {
        if (codes.length) lines.push(`  ${tr('cli:import.absent', { kind: tr(`cli:import.kinds.${what}`), codes: codes.join(', ') })}`);
      }
      if (s.warnings.length) lines.push(tr('cli:import.warnings'), ...s.warnings.map((w) => `  ! ${w}`));
      return lines.join('\n');
    }
    case 'grids': {
      const lines: string[] = [];
      const walk = (n: GridTree, depth: number) => {
        const staff = ROLES.filter((r) => n.people[r])
          .map((r) => [r, n.people[r]] as const)
          .map(([role, count]) => `${tr(`common:role.${role}`)}×${count}`)
          .join(' ');
        const extra = [tr(`common:level.${n.level}`), n.kind === 'dedicated' ? tr('cli:grids.dedicated') : '', n.joinCode ? tr('cli:grids.join_code', { code: n.joinCode }) : '', staff]
          .filter(Boolean)
          .join(' · ');
        lines.push(`${'  '.repeat(depth)}${n.name} [${n.code}]  ${extra}`);
        for (const c of n.children) walk(c, depth + 1);
      };
      for (const root of data as GridTree[]) walk(root, 0);
      return lines.length ? lines.join('\n') : tr('cli:grids.empty');
    }
    case 'matters': {
      const rows = data as Array<Record<string, any>>;
      if (!rows.length) return tr('cli:matters.empty');
      const out = table([tr('cli:matters.ref'), tr('cli:matters.category'), tr('cli:matters.step'), tr('cli:matters.level'), tr('cli:matters.grid'), tr('cli:matters.assignee'), tr('cli:matters.due'), tr('cli:matters.summary')]);
      for (const m of rows) {
        const step = m.state === 'open' ? tr(`common:step.${m.step}`) : tr(`common:state.${m.state}`);
        out.push([m.ref, tr(`common:category.${m.category}`), step + (m.supervised ? ` ${tr('cli:matters.supervised')}` : ''), tr(`common:matter_level.${m.level}`), m.gridName, m.assignee ?? tr('cli:matters.unassigned'), time(m.dueAt), m.summary]);
      }
      return `${out.toString()}\n${tr('cli:matters.count', { count: rows.length })}`;
    }
    case 'show': {
      const d = data as { matter: Record<string, any>; events: Array<Record<string, any>>; messages: Array<Record<string, any>>; deliveries: Array<Record<string, any>> };
      const m = d.matter;
      const lines = [
        `${m.ref}  ${tr(`common:category.${m.category}`)} · ${tr(`common:size.${m.size}`)} · ${m.state === 'open' ? tr(`common:step.${m.step}`) : tr(`common:state.${m.state}`)} · ${tr(`common:matter_level.${m.level}`)}`,
        `${tr('cli:matters.summary')}: ${m.summary}`,
        `${tr('cli:matters.due')}: ${time(m.dueAt)}`,
        '',
        tr('cli:show.timeline'),
      ];
      for (const e of d.events) {
        const who = e.actorName ?? tr('cli:show.system');
        const move = e.stepTo && e.stepTo !== e.stepFrom ? ` → ${tr(`common:step.${e.stepTo}`)}` : '';
        const level = e.levelTo && e.levelFrom && e.levelTo !== e.levelFrom ? ` (${tr(`common:matter_level.${e.levelFrom}`)} → ${tr(`common:matter_level.${e.levelTo}`)})` : '';
        const to = e.assigneeName ? ` ${tr('cli:show.to', { name: e.assigneeName })}` : '';
        lines.push(`  ${time(e.at)}  ${tr(`cli:show.action.${e.action}`, { defaultValue: e.action })}${move}${level}${to} — ${who}`);
        const considered = (e.data as { considered?: Array<Record<string, any>> } | null)?.considered;
        if (considered) for (const c of considered) lines.push(`      · ${c.name} ${tr(`common:role.${c.role}`)}: ${tr(`cli:show.routing.${c.outcome}`, { open: c.openMatters })}`);
      }
      lines.push('', tr('cli:show.deliveries'));
      for (const x of d.deliveries) lines.push(`  ${x.personName}: ${tr(`cli:show.template.${x.template}`, { defaultValue: x.template })} — ${tr(`cli:show.status.${x.status}`, { defaultValue: x.status })}${x.channel ? ` (${x.channel})` : ''}`);
      return lines.join('\n');
    }
    case 'report': {
      const r = data as { status: string; ref: string; serviceRunning: boolean | null };
      const head = r.status === 'duplicate' ? tr('cli:report.duplicate', { ref: r.ref }) : tr('cli:report.created', { ref: r.ref });
      return r.serviceRunning === false ? `${head}\n${tr('cli:report.service_stopped')}` : head;
    }
    case 'joincodes': {
      const rows = data as Array<{ code: string; name: string; village: string | null; joinCode: string }>;
      const out = table([tr('cli:joincodes.village'), tr('cli:joincodes.grid'), tr('cli:joincodes.code'), tr('cli:joincodes.link')]);
      for (const r of rows) out.push([r.village ?? '', r.name, r.joinCode, `/start ${r.joinCode}`]);
      return out.toString();
    }
    case 'duty': {
      const d = data as { name: string; onLeave: boolean };
      return d.onLeave ? tr('cli:duty.leave', { name: d.name }) : tr('cli:duty.back', { name: d.name });
    }
  }
}
