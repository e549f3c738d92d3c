// Every failure the API can answer, listed once: a stable machine `code`, its HTTP status and
// title. Responses are RFC 9457 problem documents; the codes are published in the OpenAPI document.

export const PROBLEM_TYPE_BASE = 'urn:haopin-registry:problem:'

export const PROBLEM_CODES = {
  route_not_found: { status: 404, title: 'No such route' },
  not_found: { status: 404, title: 'Resource not found' },
  malformed_json: { status: 400, title: 'Malformed JSON body' },
  validation_failed: { status: 400, title: 'Request validation failed' },
  bad_request: { status: 400, title: 'Bad request' },
  unauthorized: { status: 401, title: 'Authentication required' },
  insufficient_scope: { status: 403, title: 'Token lacks a required scope' },
  forbidden_county: { status: 403, title: 'Outside the token holder\'s county' },
  city_level_required: { status: 403, title: 'Only a city-level token may do this' },
  forbidden_department: { status: 403, title: 'Outside the token holder\'s department' },
  not_acceptable: { status: 406, title: 'No acceptable representation' },
  conflict: { status: 409, title: 'Conflict with the current state' },
  enterprise_exists: { status: 409, title: 'Enterprise already registered' },
  qualification_type_exists: { status: 409, title: 'Qualification type already exists' },
  certificate_number_taken: { status: 409, title: 'Certificate number already in use' },
  invalid_transition: { status: 409, title: 'Transition not allowed from the current status' },
  out_of_order_change: { status: 409, title: 'Change takes effect before the last recorded change' },
  incentive_program_exists: { status: 409, title: 'Incentive program code already in use' },
  already_renewed: { status: 409, title: 'Qualification already renewed' },
  invalid_case_transition: { status: 409, title: 'Event not allowed in the supervision case\'s current state' },
  out_of_order_event: { status: 409, title: 'Event occurred before the case\'s last event' },
  revocation_referral_pending: { status: 409, title: 'Qualification is under a pending referral for revocation' },
  case_closed: { status: 409, title: 'Supervision case is closed' },
  supervision_case_exists: { status: 409, title: 'A supervision case with this externalRef exists' },
  idempotency_in_progress: { status: 409, title: 'A request with this Idempotency-Key is still being processed' },
  precondition_failed: { status: 412, title: 'Precondition failed' },
  payload_too_large: { status: 413, title: 'Request body too large' },
  headers_too_large: { status: 431, title: 'Request header fields too large' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  idempotency_key_reused: { status: 422, title: 'Idempotency-Key reused with a different request' },
  batch_rejected: { status: 422, title: 'Batch rejected; nothing was written' },
  import_file_empty: { status: 422, title: 'Import file has no data' },
  import_file_unreadable: { status: 422, title: 'Import file is not a readable xlsx or CSV file' },
  import_columns_invalid: { status: 422, title: 'Import file columns do not match the template' },
  import_too_many_rows: { status: 422, title: 'Import file has more rows than allowed' },
  import_rejected: { status: 422, title: 'Import rejected; nothing was written' },
  rate_limited: { status: 429, title: 'Too many requests' },
  internal_error: { status: 500, title: 'Internal server error' },
  not_ready: { status: 503, title: 'Service not ready' },
  database_unavailable: { status: 503, title: 'Database unavailable' },
  database_timeout: { status: 503, title: 'Database did not answer in time' },
} as const satisfies Record<string, { status: number; title: string }>

export type ProblemCode = keyof typeof PROBLEM_CODES

export interface FieldError {
  /** JSON pointer into the request part named by `in`. */
  pointer: string
  in: 'body' | 'query' | 'path' | 'header'
  message: string
}

export class AppError extends Error {
  readonly status: number
  readonly title: string
  constructor(
    readonly code: ProblemCode,
    detail?: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail ?? PROBLEM_CODES[code].title)
    this.name = 'AppError'
    this.status = PROBLEM_CODES[code].status
    this.title = PROBLEM_CODES[code].title
  }
}

export function problemBody(
  code: ProblemCode,
  detail: string,
  instance: string | undefined,
  extra: Record<string, unknown> = {},
) {
  const { status, title } = PROBLEM_CODES[code]
  return { type: `${PROBLEM_TYPE_BASE}${code}`, title, status, detail, instance, code, ...extra }
}

export const problems = {
  notFound: (what: string, id: string) => new AppError('not_found', `${what} ${id} does not exist`),
  validation: (errors: FieldError[]) =>
    new AppError('validation_failed', errors.map((e) => `${e.in}${e.pointer || ''}: ${e.message}`).join('; '), { errors }),
  field: (where: FieldError['in'], pointer: string, message: string, extra: Record<string, unknown> = {}) =>
    new AppError('validation_failed', `${where}${pointer}: ${message}`, { errors: [{ in: where, pointer, message, ...extra }] }),
  preconditionFailed: (detail = 'If-Match does not match the current ETag; fetch the resource again') =>
    new AppError('precondition_failed', detail),
}
