import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { AppError } from '../core/errors.js'

/** Maps any error to the one wire shape `{ statusCode, code, message }`; unknown errors become INTERNAL and are logged whole. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err
  const fe = err as Partial<FastifyError> & Error
  switch (fe.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('BODY_TOO_LARGE', 'body must be at most 500 KB (Segment\'s batch limit); split the batch', { cause: err })
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError('BODY_INVALID_JSON', 'body must be JSON, got an empty body', { cause: err })
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError('REQUEST_INVALID', `content-type must be application/json or text/plain, ${fe.message}`, { cause: err })
    case 'FST_ERR_VALIDATION':
      return new AppError('REQUEST_INVALID', fe.message, { cause: err })
    default:
      break
  }
  if (typeof fe.statusCode === 'number' && fe.statusCode === 503) {
    return new AppError('STORE_UNAVAILABLE', fe.message, { cause: err, retryAfterSeconds: 1 })
  }
  return new AppError('INTERNAL', 'internal error; it is logged with the request id', { cause: err })
}

/** Fastify error handler: one shape, Retry-After where the client should come back. */
export function handleError(err: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const appError = toAppError(err)
  if (appError.code === 'INTERNAL') request.log.error({ err }, 'internal error')
  if (appError.retryAfterSeconds !== undefined) reply.header('retry-after', String(appError.retryAfterSeconds))
  void reply.status(appError.statusCode).send(appError.toJSON())
}
