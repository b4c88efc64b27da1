import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify'
import type { Role } from '../../core/api-key.js'
import { AppError } from '../../core/errors.js'
import type { KeyAuth, Principal } from './key-auth.js'

/**
 * What a route admits. Every route declares it in `config.access`; a route without one fails at
 * start-up, so no route can be left open by accident.
 * - `public`: anyone (health check, CORS preflights);
 * - `roles`: keys of these roles; `collection` routes answer in Segment's terms (write keys);
 * - `personal`: the route returns or changes a person's data, so each call is audited.
 */
export type Access = 'public' | { roles: readonly Role[]; collection?: boolean; personal?: boolean }

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access
  }
  interface FastifyRequest {
    principal: Principal | null
  }
}

/** A row of the route table: method, path and what it admits. */
export interface RouteAccess {
  method: string
  url: string
  access: Access
}

/**
 * Installs the guard: an `onRoute` hook that refuses routes without an access declaration and puts
 * an authentication and role check in front of every other one. Returns the route table it saw,
 * which the route-table test walks.
 */
export function installGuard(app: FastifyInstance, auth: KeyAuth): RouteAccess[] {
  const table: RouteAccess[] = []
  app.decorateRequest('principal', null)
  app.addHook('onRoute', (route: RouteOptions) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method]
    // @fastify/cors answers preflights itself: they carry no credentials by the Fetch standard.
    const access: Access | undefined = route.config?.access ?? (methods.every((m) => m === 'OPTIONS') ? 'public' : undefined)
    if (access === undefined) {
      throw new Error(`route ${methods.join(',')} ${route.url} declares no access: add config.access (see src/server/access/guard.ts)`)
    }
    for (const method of methods) table.push({ method, url: route.url, access })
    if (access === 'public') return
    const check = async (request: FastifyRequest) => {
      const principal = await auth.authenticate(request, { collection: access.collection === true })
      if (!access.roles.includes(principal.role)) {
        throw new AppError('ROLE_FORBIDDEN', `${request.method} ${route.url} needs a key of role ${access.roles.join(' or ')}, got role ${principal.role} (key ${principal.keyId})`)
      }
      request.principal = principal
    }
    const existing = route.preHandler === undefined ? [] : Array.isArray(route.preHandler) ? route.preHandler : [route.preHandler]
    route.preHandler = [check, ...existing]
  })
  return table
}

/** The principal of a guarded route's request (the guard has run). */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new Error(`no principal on ${request.method} ${request.url}: is the route guarded?`)
  return request.principal
}
