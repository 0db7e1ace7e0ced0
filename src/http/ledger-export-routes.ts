// The ledger as a file over HTTP: GET /desk/export.csv and /desk/export.xlsx for the signed-in
// person (the desk's sign-in says who, through `viewerOf`), streamed as it is read.
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { toLocale, t } from '../i18n/index.js';
import { LEDGER_SHEETS, xlsxStream, type LedgerExport, type LedgerSheet, type LedgerViewer } from '../services/ledger-export.js';

export interface LedgerExportRouteOptions {
  ledger: LedgerExport;
  /** The signed-in person's id, or null (the request is refused with 401). */
  viewerOf: (request: FastifyRequest) => LedgerViewer | null | Promise<LedgerViewer | null>;
  /** Where the routes live, before `.csv` / `.xlsx` (default /desk/export). */
  path?: string;
}

interface ExportQuery {
  node?: string;
  from?: string;
  to?: string;
  /** CSV only: matters (default) or events. */
  sheet?: string;
  /** The reader's language, when the page names one (else the person's). */
  lang?: string;
}

const one = (v: unknown): string | undefined => (typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : undefined);

export function ledgerExportRoutes(opts: LedgerExportRouteOptions): FastifyPluginAsync {
  return async (app) => {
    for (const format of ['csv', 'xlsx'] as const) {
      app.get<{ Querystring: ExportQuery }>(`${opts.path ?? '/desk/export'}.${format}`, async (req, reply) => {
        const q = req.query ?? {};
        const lang = one(q.lang) ? toLocale(one(q.lang)) : undefined;
        const answer = (status: number, key: string, params: Record<string, unknown> = {}) =>
          reply
            .code(status)
            .type('text/plain; charset=utf-8')
            .send(t(lang ?? toLocale(req.headers['accept-language']?.split(',')[0]), key, params));
        const viewer = await opts.viewerOf(req);
        if (!viewer) return answer(401, 'ledger:errors.sign_in');
        const sheet = one(q.sheet) ?? 'matters';
        if (format === 'csv' && !LEDGER_SHEETS.includes(sheet as LedgerSheet)) return answer(400, 'ledger:errors.bad_sheet');
        const access = await opts.ledger.prepare(viewer, { node: one(q.node), from: one(q.from) || undefined, to: one(q.to) || undefined }, lang);
        if (!access.ok) return reply.code(access.refusal.status).type('text/plain; charset=utf-8').send(t(lang ?? 'zh-CN', access.refusal.key, access.refusal.params));
        const { job } = access;
        const name = format === 'csv' && sheet !== 'matters' ? `${job.baseName}-${sheet}` : job.baseName;
        reply
          .header('content-disposition', `attachment; filename="${name}.${format}"`)
          .header('cache-control', 'no-store')
          .type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
        return reply.send(format === 'csv' ? opts.ledger.csv(job, sheet as LedgerSheet) : xlsxStream(opts.ledger, job));
      });
    }
  };
}
