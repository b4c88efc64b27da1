import cors from '@fastify/cors'
import type { FastifyInstance, FastifyRequest } from 'fastify'

/** The collection API's paths (Segment's, long and short, and the tracking pixel): browsers send to them from any site. */
const COLLECTION_PATH = /^\/v1\/(batch|import|b|identify|track|page|screen|group|alias|[itpsga]|pixel\/[a-z]+)$/

/** Whether a request goes to the collection API (by path, before routing). */
export function isCollectionPath(request: FastifyRequest): boolean {
  return COLLECTION_PATH.test(request.url.split('?', 1)[0]!)
}

/**
 * CORS by route group. Collection routes answer any origin, as Segment's API does, so that the
 * browser library works from every site; they send no credentials, so a reflected origin grants
 * nothing but the right to send events with a write key. Every other route (profiles, consent,
 * keys, audit, exports) allows only the configured origins (`corsOrigins`; the dashboard is
 * same-origin and needs none). No route allows credentials: keys travel in the Authorization
 * header, never in cookies.
 */
export async function installCors(app: FastifyInstance, corsOrigins: readonly string[]): Promise<void> {
  const common = {
    credentials: false,
    methods: ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
    allowedHeaders: ['Authorization', 'Content-Type', 'X-Salestwin-Purpose'],
    maxAge: 86_400,
  }
  const allowed = new Set(corsOrigins)
  await app.register(cors, {
    delegator: (request, callback) => {
      if (isCollectionPath(request)) return callback(null, { ...common, origin: true })
      return callback(null, { ...common, origin: (origin, cb) => cb(null, origin !== undefined && allowed.has(origin)) })
    },
  })
}
