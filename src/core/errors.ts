/** Every error code salestwin puts on the wire. docs/errors.md lists exactly these (a test keeps them in step). */
export type ErrorCode =
  | 'EVENT_INVALID'
  | 'BODY_INVALID_JSON'
  | 'BODY_TOO_LARGE'
  | 'WRITE_KEY_INVALID'
  | 'REQUEST_INVALID'
  | 'PROFILE_NOT_FOUND'
  | 'SOURCE_EXISTS'
  | 'SOURCE_NOT_FOUND'
  | 'IMPORT_INVALID'
  | 'CONFIG_INVALID'
  | 'VALUE_INPUT_INVALID'
  | 'MODEL_NOT_CONVERGED'
  | 'OVERLOADED'
  | 'STORE_UNAVAILABLE'
  | 'CONSENT_INVALID'
  | 'API_KEY_INVALID'
  | 'ROLE_FORBIDDEN'
  | 'KEY_NOT_FOUND'
  | 'NOT_FOUND'
  | 'CATALOG_INVALID'
  | 'DECISION_NOT_FOUND'
  | 'OUTCOME_CONFLICT'
  | 'DELIVERY_NOT_FOUND'
  | 'DELIVERY_CONFLICT'
  | 'LOG_UNAVAILABLE'
  | 'LOG_BACKLOG'
  | 'INTERNAL'

export const HTTP_STATUS: Record<ErrorCode, number> = {
  EVENT_INVALID: 400,
  BODY_INVALID_JSON: 400,
  BODY_TOO_LARGE: 413,
  WRITE_KEY_INVALID: 401,
  REQUEST_INVALID: 400,
  PROFILE_NOT_FOUND: 404,
  SOURCE_EXISTS: 409,
  SOURCE_NOT_FOUND: 404,
  IMPORT_INVALID: 400,
  CONFIG_INVALID: 500,
  VALUE_INPUT_INVALID: 400,
  MODEL_NOT_CONVERGED: 422,
  OVERLOADED: 429,
  STORE_UNAVAILABLE: 503,
  CONSENT_INVALID: 400,
  API_KEY_INVALID: 401,
  ROLE_FORBIDDEN: 403,
  KEY_NOT_FOUND: 404,
  NOT_FOUND: 404,
  CATALOG_INVALID: 400,
  DECISION_NOT_FOUND: 404,
  OUTCOME_CONFLICT: 409,
  DELIVERY_NOT_FOUND: 404,
  DELIVERY_CONFLICT: 409,
  LOG_UNAVAILABLE: 503,
  LOG_BACKLOG: 503,
  INTERNAL: 500,
}

/** A failure with a catalogued code; its message names the field, the rule and the value got. */
export class AppError extends Error {
  override name = 'AppError'
  constructor(
    readonly code: ErrorCode,
    message: string,
    opts?: { cause?: unknown; retryAfterSeconds?: number },
  ) {
    super(message, opts)
    this.retryAfterSeconds = opts?.retryAfterSeconds
  }
  readonly retryAfterSeconds: number | undefined

  get statusCode(): number {
    return HTTP_STATUS[this.code]
  }

  /** The one error shape on the wire: `{ statusCode, code, message }`. */
  toJSON(): { statusCode: number; code: ErrorCode; message: string } {
    return { statusCode: this.statusCode, code: this.code, message: this.message }
  }
}

/** Ends a switch over a union so that a new member breaks the build until it is handled. */
export function assertNever(x: never): never {
  throw new Error(`unhandled case: ${JSON.stringify(x)}`)
}

/** Renders a value for an error message: strings quoted, long values cut. */
export function describeValue(value: unknown): string {
  let text: string
  try {
    text = value === undefined ? 'undefined' : JSON.stringify(value)
  } catch {
    // A circular or deeply nested structure: say what it is rather than throw while reporting
    // (String() of a nested array recurses as deep as JSON.stringify does).
    if (Array.isArray(value)) return 'an array that cannot be shown as JSON (circular or nested too deep)'
    return typeof value === 'object' && value !== null ? 'an object that cannot be shown as JSON (circular or nested too deep)' : String(value)
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text
}
