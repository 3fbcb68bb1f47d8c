// CSV import and export (docs/api.md "Import and export"): POST a text/csv body to
// /import/{addresses|subnets}?spaceId=…[&dryRun=true] (or /import/records?[dryRun=true],
// manual DNS records) for a report of every row; GET /export/{addresses|subnets}?spaceId=…
// (or /export/records[?zone=…]) for the same columns back.
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Manager } from '../manager/manager.js';
import { ADDRESS_COLUMNS, RECORD_COLUMNS, SUBNET_COLUMNS, type ImportReport } from '../manager/import-export.js';
import * as S from './schemas.js';

/** Largest CSV body: 200 000 rows of a few fields. */
export const MAX_CSV_BYTES = 64 * 1024 * 1024;

const Report = Type.Object({
  dryRun: Type.Boolean(), applied: Type.Boolean({ description: 'Whether the rows were written: not a dry run, and no row in error.' }),
  rows: Type.Integer(), created: Type.Integer(), unchanged: Type.Integer(),
  errors: Type.Array(Type.Object({ line: Type.Integer(), code: Type.String(), message: Type.String(), field: Type.Optional(Type.String()) })),
});
const ImportQuery = Type.Object({
  spaceId: Type.Integer({ minimum: 1 }),
  dryRun: Type.Optional(Type.Boolean({ default: false, description: 'Check every row and report, write nothing.' })),
}, { additionalProperties: false });
const ExportQuery = Type.Object({ spaceId: Type.Integer({ minimum: 1 }) }, { additionalProperties: false });
const errors = { 400: S.ErrorBody, 401: S.ErrorBody, 403: S.ErrorBody, 404: S.ErrorBody, 413: S.ErrorBody, 422: S.ErrorBody };
const csvBody = (columns: readonly string[]) => ({ content: { 'text/csv': { schema: Type.String({ description: `A header line naming columns among: ${columns.join(', ')}; then one record per line (RFC 4180).` }) } } });

export async function csvRoutes(api: FastifyInstance, m: Manager): Promise<void> {
  api.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: MAX_CSV_BYTES }, (_req, body, done) => done(null, body));
  const answer = (report: ImportReport) => (report.dryRun || report.applied ? 200 : 422);
  for (const [kind, columns] of [['addresses', ADDRESS_COLUMNS], ['subnets', SUBNET_COLUMNS]] as const) {
    api.post<{ Querystring: Static<typeof ImportQuery>; Body: string }>(`/import/${kind}`, {
      schema: {
        summary: `Import ${kind} from CSV: one transaction, all or nothing; the report lists every row in error (422 when any, 200 otherwise)`,
        tags: ['import'], querystring: ImportQuery, body: csvBody(columns), response: { 200: Report, ...errors, 422: Type.Union([Report, S.ErrorBody]) },
      },
    }, async (req, reply) => {
      const run = kind === 'addresses' ? m.csv.importAddresses.bind(m.csv) : m.csv.importSubnets.bind(m.csv);
      const report = await run(req.principal!, req.query.spaceId, req.body, req.query.dryRun ?? false);
      return reply.code(answer(report)).send(report);
    });
    api.get<{ Querystring: Static<typeof ExportQuery> }>(`/export/${kind}`, {
      schema: {
        summary: `Export ${kind} as CSV (the columns the import takes)`, tags: ['import'], querystring: ExportQuery,
        response: { 200: { description: 'CSV', content: { 'text/csv': { schema: Type.String() } } }, ...errors },
      },
    }, async (req, reply) => {
      const text = kind === 'addresses' ? await m.csv.exportAddresses(req.query.spaceId) : await m.csv.exportSubnets(req.query.spaceId);
      return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${kind}.csv"`).send(text);
    });
  }
  const RecordImportQuery = Type.Object({ dryRun: ImportQuery.properties.dryRun }, { additionalProperties: false });
  const RecordExportQuery = Type.Object({ zone: Type.Optional(Type.String({ minLength: 1, maxLength: 254, description: 'Only this zone\'s records (its name).' })) }, { additionalProperties: false });
  api.post<{ Querystring: Static<typeof RecordImportQuery>; Body: string }>('/import/records', {
    schema: {
      summary: 'Import manual DNS records from CSV (zone, name, type, ttl, data, description): one transaction, all or nothing; the report lists every row in error (422 when any, 200 otherwise)',
      tags: ['import'], querystring: RecordImportQuery, body: csvBody(RECORD_COLUMNS), response: { 200: Report, ...errors, 422: Type.Union([Report, S.ErrorBody]) },
    },
  }, async (req, reply) => {
    const report = await m.csv.importRecords(req.principal!, req.body, req.query.dryRun ?? false);
    return reply.code(answer(report)).send(report);
  });
  api.get<{ Querystring: Static<typeof RecordExportQuery> }>('/export/records', {
    schema: {
      summary: 'Export manual DNS records as CSV (the columns the import takes)', tags: ['import'], querystring: RecordExportQuery,
      response: { 200: { description: 'CSV', content: { 'text/csv': { schema: Type.String() } } }, ...errors },
    },
  }, async (req, reply) => {
    const text = await m.csv.exportRecords(req.query.zone);
    return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="records.csv"').send(text);
  });
}
