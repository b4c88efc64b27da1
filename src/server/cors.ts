import cors from '@fastify/cors'
import type { FastifyInstance } from 'fastify'

/**
 * CORS by route group. Collection routes answer any origin, as Segment's API does, so that the
 * browser library works from every site; they send no credentials, so a reflected origin grants
 * nothing but the right to send events with a write key. Every other route (profiles, consent,
 * keys, audit, exports) allows only the configured origins (`corsOrigins`; the dashboard is
 * same-origin and needs none). No route allows credentials: keys travel in the Authorization
 * header, never in cookies.
 */
export async function installCors(app: FastifyInstance, corsOrigins: readonly string[]): Promise<void> {
  // The collection routes are the ones that declare `collection` access (server/access/guard.ts):
  // read from the route table once all routes are in, so no second list of them can drift.
  let collectionPaths: Set<string> | null = null
  const isCollectionPath = (url: string) =>
    (collectionPaths ??= new Set(app.routeTable.filter((r) => r.access !== 'public' && r.access.collection).map((r) => r.url))).has(url.split('?', 1)[0]!)
  const common = {
    credentials: false,
    methods: ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
    allowedHeaders: ['Authorization', 'Content-Type', 'X-Salestwin-Purpose'],
    maxAge: 86_400,
  }
  const allowed = new Set(corsOrigins)
  await app.register(cors, {
    delegator: (request, callback) => {
      if (isCollectionPath(request.url)) return callback(null, { ...common, origin: true })
      return callback(null, { ...common, origin: (origin, cb) => cb(null, origin !== undefined && allowed.has(origin)) })
    },
  })
}
