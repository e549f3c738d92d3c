import { Type, type Static } from 'typebox'
import { component } from '../../lib/components.ts'
import { literalUnion, Nullable } from '../../lib/schemas.ts'
import { IMPORT_KINDS, IMPORT_MODES } from './columns.ts'

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
export const CSV_TYPE = 'text/csv'

export const ImportKindField = literalUnion(IMPORT_KINDS, 'enterprises 企业 (upserted by USCC), qualifications 资质 (each row a grant)')

export const CreateImportQuery = Type.Object(
  {
    kind: ImportKindField,
    mode: Type.Optional(
      literalUnion(IMPORT_MODES, 'per-row (default): good rows are written and bad rows reported; atomic: any bad row and nothing is written'),
    ),
  },
  { additionalProperties: false },
)
export type CreateImportQueryInput = Static<typeof CreateImportQuery>

export const ImportIdParams = Type.Object({ id: Type.String({ maxLength: 64 }) })

const ReportFormat = literalUnion(['xlsx', 'csv'] as const, 'xlsx or csv (UTF-8 with BOM)')
export const ErrorReportParams = Type.Object({ id: Type.String({ maxLength: 64 }), format: ReportFormat })
export const TemplateFileParams = Type.Object({
  kind: ImportKindField,
  format: literalUnion(['xlsx', 'csv'] as const, 'xlsx: with drop-down lists and a 填写说明 sheet; csv: the header line, UTF-8 with BOM'),
})

const FileBody = component('ImportFile', Type.String({ format: 'binary' }), 'The spreadsheet: .xlsx, or CSV in UTF-8, GBK/GB18030 or UTF-16; the first row is the header')
const UploadForm = component('ImportUploadForm', Type.Object({ file: Type.String({ format: 'binary' }) }, { required: ['file'] }), 'A multipart form carrying the spreadsheet in its `file` field')
/** The request body as the contract shows it: the file itself, or a multipart form with the file in `file`. */
export const ImportUpload = {
  description: 'The first worksheet of an .xlsx, or a CSV file; the first row is the header (the template\'s Chinese column names).',
  required: true,
  content: {
    [XLSX_TYPE]: { schema: FileBody },
    [`${CSV_TYPE}`]: { schema: FileBody },
    'application/octet-stream': { schema: FileBody },
    'multipart/form-data': {
      schema: UploadForm,
      encoding: { file: { contentType: `${XLSX_TYPE}, ${CSV_TYPE}` } },
    },
  },
}

const ImportProblem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String(),
  },
  { additionalProperties: true, description: 'Why the job failed (a file refused as a whole, or rows refused in atomic mode), as a problem document' },
)

const JOB_EXAMPLE = {
  id: '5c1f6a2e-0d4b-4e8a-9f3c-2b7d1e6a4c90',
  kind: 'enterprises',
  mode: 'per-row',
  state: 'writing',
  fileName: '德城区企业名单2025.xlsx',
  format: 'xlsx',
  totalRows: 20000,
  rowsDone: 12000,
  accepted: 11987,
  rejected: 13,
  rowsPerSecond: 2150.4,
  estimatedFinishAt: '2025-11-26T02:15:43.000Z',
  problem: null,
  requestId: '7b0e3c52-9d1a-4f7e-8c2b-5a6d4e3f2a10',
  createdAt: '2025-11-26T02:15:30.120Z',
  startedAt: '2025-11-26T02:15:30.410Z',
  finishedAt: null,
  errorReport: {
    xlsx: '/v1/imports/5c1f6a2e-0d4b-4e8a-9f3c-2b7d1e6a4c90/errors.xlsx',
    csv: '/v1/imports/5c1f6a2e-0d4b-4e8a-9f3c-2b7d1e6a4c90/errors.csv',
  },
}

const ImportJobObject = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    kind: ImportKindField,
    mode: literalUnion(IMPORT_MODES),
    state: literalUnion(
      ['queued', 'reading', 'writing', 'succeeded', 'failed'] as const,
      'queued: waiting for a worker; reading: the file is being read and checked row by row; writing: rows are being written; ' +
        'succeeded: every row was written or reported; failed: see `problem` (an atomic import that failed wrote nothing)',
    ),
    fileName: Nullable(Type.String()),
    format: literalUnion(['xlsx', 'csv'] as const),
    totalRows: Nullable(Type.Integer({ description: 'Data rows in the file (an upper bound until it has been read)' })),
    rowsDone: Type.Integer({ description: 'Rows written or rejected so far (in atomic mode, rows written by the still uncommitted transaction)' }),
    accepted: Type.Integer({ description: 'Rows written (an enterprise row identical to what is stored counts as written)' }),
    rejected: Type.Integer({ description: 'Rows refused; each is in the error report with its reason' }),
    rowsPerSecond: Nullable(Type.Number({ description: 'Rows per second since the job (re)started; null while nothing is moving' })),
    estimatedFinishAt: Nullable(Type.String({ format: 'date-time', description: 'When the job should finish at the current rate' })),
    problem: Nullable(ImportProblem),
    requestId: Type.String({ description: 'The request id of the upload: every audit entry the import writes carries it' }),
    createdAt: Type.String({ format: 'date-time' }),
    startedAt: Nullable(Type.String({ format: 'date-time' })),
    finishedAt: Nullable(Type.String({ format: 'date-time' })),
    errorReport: Type.Object(
      { xlsx: Type.String(), csv: Type.String() },
      { description: 'Where to download the rejected rows as sent, each with the column and the reason in Chinese' },
    ),
  },
  { examples: [JOB_EXAMPLE] },
)
export type ImportJobView = Static<typeof ImportJobObject>
export const ImportJob = component('ImportJob', ImportJobObject, 'A spreadsheet import run as a job: its progress, its result and where its error report is')
