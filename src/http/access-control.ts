// Who may do what: every HTTP route (method and pattern as Fastify registers it), every SIP2 message and
// every CLI command, in one place. The JSON API is enforced here by one hook (deny by default: a route
// missing from the table answers 403); the pages check their own sessions (patron-session.ts, desk-auth.ts)
// and the table says what they do; access-control.test.ts walks every route with every role to hold both
// to it.
//
// API roles (a key has one; administrator may call every route listed below):
// - administrator  everything, for every municipality it is scoped to
// - desk           the library's own systems at the counter: patrons, items, circulation, fees paid at the
//                  desk, a patron's notices, reading receivables (a citizen's overview, a claim)
// - finance        the municipality's receivables: claims, payments, instalments, appeals, offsets, bank
//                  files, billing pauses, reconciliation, transfers
// - issuer         another municipal issuer (e.g. a school or the parking office) posting claims to the
//                  receivables of its municipality and reading them back
// - operator       running the service: jobs, notice delivery, the SIP2 machines, the policy in force
// - door           the door controller of an open library: card scans only
// A key may be scoped to one municipality: on another municipality's routes it gets 403.
//
// Page roles: public (no login), patron (own data only: every query starts from the session's patron),
// staff desk / finance / administrator (the staff account's roles, administrator everywhere), and machine
// (the FBS envelope's SIP2 account, of the path's agency).

import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify'
import type { ApiRole, StaffRole } from '../db/schema.ts'
import type { Services } from '../services.ts'
import { ApiError } from './api-error.ts'
import { type ApiCaller, callerOfKey } from './api-keys.ts'

declare module 'fastify' {
  interface FastifyRequest {
    /** The API key's caller (API routes only). */
    apiCaller: ApiCaller | null
  }
}

export type PageRole = 'public' | 'patron' | StaffRole
/** Everyone with a staff account of the municipality. */
const STAFF: readonly PageRole[] = ['desk', 'finance', 'administrator']
const DESK: readonly PageRole[] = ['desk', 'administrator']
const FINANCE: readonly PageRole[] = ['finance', 'administrator']
const PATRON: readonly PageRole[] = ['patron']
const PUBLIC: readonly PageRole[] = ['public']

/** The API routes and the roles besides administrator that may call them. */
export const API_ACCESS: Readonly<Record<string, readonly ApiRole[]>> = {
  'GET /api/municipalities': ['desk', 'finance', 'issuer', 'operator', 'door'],
  'POST /api/:municipality/patrons': ['desk'],
  'GET /api/:municipality/patrons/:patron': ['desk'],
  'PATCH /api/:municipality/patrons/:patron/contact': ['desk'],
  'POST /api/:municipality/patrons/:patron/card-lost': ['desk'],
  'DELETE /api/:municipality/patrons/:patron/reservations/:item': ['desk'],
  'GET /api/:municipality/patrons/:patron/notices': ['desk'],
  'POST /api/:municipality/items': ['desk'],
  'GET /api/:municipality/items/:item': ['desk'],
  'POST /api/:municipality/checkouts': ['desk'],
  'POST /api/:municipality/checkins': ['desk'],
  'POST /api/:municipality/renewals': ['desk'],
  'POST /api/:municipality/reservations': ['desk'],
  'POST /api/:municipality/payments': ['desk'],
  'GET /api/:municipality/policy': ['desk', 'finance', 'operator'],
  'POST /api/:municipality/jobs/nightly': ['operator'],
  'GET /api/:municipality/notices': ['operator'],
  'POST /api/:municipality/notices/:id/retry': ['operator'],
  'GET /api/:municipality/sip2/machines': ['operator'],
  'POST /api/:municipality/door/scans': ['door'],
  // Who came in when is personal data: the administrator only.
  'GET /api/:municipality/door/entries': [],
  'GET /api/:municipality/receivables/citizens/:citizen/overview': ['finance', 'desk'],
  'GET /api/:municipality/receivables/claims/:claim': ['finance', 'desk', 'issuer'],
  'POST /api/:municipality/receivables/claims': ['finance', 'issuer'],
  'POST /api/:municipality/receivables/claims/:claim/payments': ['finance'],
  'POST /api/:municipality/receivables/claims/:claim/online-payments': ['finance'],
  'POST /api/:municipality/receivables/claims/:claim/instalment-plan': ['finance'],
  'POST /api/:municipality/receivables/claims/:claim/deadline-extension': ['finance'],
  'POST /api/:municipality/receivables/claims/:claim/betalingsservice': ['finance'],
  'POST /api/:municipality/receivables/claims/:claim/appeals': ['finance'],
  'POST /api/:municipality/receivables/claims/:claim/appeal-decision': ['finance'],
  'GET /api/:municipality/receivables/appeals': ['finance'],
  'POST /api/:municipality/receivables/offsets': ['finance'],
  'POST /api/:municipality/receivables/legacy-claims/move': ['finance'],
  'POST /api/:municipality/receivables/bank-files': ['finance'],
  'POST /api/:municipality/receivables/billing/pause': ['finance'],
  'POST /api/:municipality/receivables/billing/resume': ['finance'],
  'GET /api/:municipality/receivables/unmatched-payments': ['finance'],
  'POST /api/:municipality/receivables/unmatched-payments/:receipt/match': ['finance'],
  'GET /api/:municipality/receivables/reconciliation': ['finance'],
  'GET /api/:municipality/receivables/transfers': ['finance'],
}

/** The pages and who may open them; anyone else gets the login page (303) or, staff without the role, 403. */
export const PAGE_ACCESS: Readonly<Record<string, readonly PageRole[]>> = {
  'GET /': PUBLIC,
  'GET /static/*': PUBLIC,
  'GET /:municipality': PUBLIC,
  'GET /:municipality/log-ind': PUBLIC,
  'POST /:municipality/log-ind': PUBLIC,
  'POST /:municipality/log-ud': PUBLIC,
  'GET /:municipality/mitid': PUBLIC,
  'GET /mitid/callback': PUBLIC,
  'GET /:municipality/tilmeld': PUBLIC,
  'POST /:municipality/tilmeld': PUBLIC,
  'GET /:municipality/min-side': PATRON,
  'POST /:municipality/min-side/forny': PATRON,
  'POST /:municipality/min-side/forny-alle': PATRON,
  'GET /:municipality/min-side/reserver': PATRON,
  'POST /:municipality/min-side/reserver': PATRON,
  'POST /:municipality/min-side/reserveringer/:id/slet': PATRON,
  'GET /:municipality/min-side/profil': PATRON,
  'POST /:municipality/min-side/profil': PATRON,
  'POST /:municipality/min-side/log-ud-alle': PATRON,
  'GET /:municipality/min-side/dine-data': PATRON,
  'POST /:municipality/min-side/samtykke/:id': PATRON,
  'GET /:municipality/betaling': PATRON,
  'GET /:municipality/betaling/tilbagebetalinger': PATRON,
  'GET /:municipality/betaling/krav/:claim/betal': PATRON,
  'POST /:municipality/betaling/krav/:claim/betal': PATRON,
  'GET /:municipality/betaling/krav/:claim/afdrag': PATRON,
  'POST /:municipality/betaling/krav/:claim/afdrag': PATRON,
  'GET /:municipality/betaling/krav/:claim/frist': PATRON,
  'POST /:municipality/betaling/krav/:claim/frist': PATRON,
  'GET /:municipality/betaling/krav/:claim/klage': PATRON,
  'POST /:municipality/betaling/krav/:claim/klage': PATRON,
  'GET /:municipality/betaling/betal-alt': PATRON,
  'POST /:municipality/betaling/betal-alt': PATRON,
  'GET /:municipality/skranke/log-ind': PUBLIC,
  'POST /:municipality/skranke/log-ind': PUBLIC,
  'POST /:municipality/skranke/log-ud': PUBLIC,
  'GET /:municipality/skranke': STAFF,
  'POST /:municipality/skranke/find': STAFF,
  'GET /:municipality/skranke/laanere/:id': STAFF,
  'POST /:municipality/skranke/laanere/:id/udlaan': DESK,
  'POST /:municipality/skranke/laanere/:id/gebyrer/:charge/annuller': FINANCE,
  'POST /:municipality/skranke/laanere/:id/gebyrer/:charge/nedskriv': FINANCE,
  'POST /:municipality/skranke/laanere/:id/udeluk': DESK,
  'POST /:municipality/skranke/laanere/:id/udelukkelser/:exclusion/tilbagekald': DESK,
  'POST /:municipality/skranke/laanere/:id/spaerringer/:block/ophaev': DESK,
  'GET /:municipality/skranke/laanere/:id/varsel/:exclusion': DESK,
  'GET /:municipality/skranke/opret': DESK,
  'GET /:municipality/skranke/opret/:kind': DESK,
  'POST /:municipality/skranke/opret/:kind': DESK,
  'GET /:municipality/skranke/udlaan': DESK,
  'POST /:municipality/skranke/udlaan': DESK,
  'POST /:municipality/skranke/aflevering': DESK,
  'GET /:municipality/skranke/kasse': DESK,
  'POST /:municipality/skranke/kasse': DESK,
  'GET /:municipality/skranke/klager': FINANCE,
  'POST /:municipality/skranke/klager/:appeal/afgoer': FINANCE,
  'GET /:municipality/skranke/rapport': STAFF,
  'GET /:municipality/skranke/regler': STAFF,
  // The log of staff look-ups (who looked at which patron and why).
  'GET /:municipality/skranke/opslag': ['administrator'],
  'GET /:municipality/skranke/revisionslog': ['administrator'],
}

/** Routes outside /api and the pages: open to all, or the self-service machines' FBS endpoint. */
export const OTHER_ACCESS: Readonly<Record<string, 'public' | 'machine'>> = {
  'GET /health': 'public',
  'GET /docs': 'public',
  'GET /docs/static/index.html': 'public',
  'GET /docs/static/swagger-initializer.js': 'public',
  'GET /docs/static/*': 'public',
  'GET /docs/json': 'public',
  'GET /docs/yaml': 'public',
  // The envelope's login/password: a SIP2 account of the agency's municipality (401 wrong, 403 other).
  'POST /rest/sip2/:agency': 'machine',
}

/** `GET /x` for a route; HEAD is answered as GET, so it has GET's entry. */
export function routeKey(method: string, url: string): string {
  return `${method === 'HEAD' ? 'GET' : method} ${url}`
}

export type RouteAccess =
  | { area: 'api'; roles: readonly ApiRole[] }
  | { area: 'page'; roles: readonly PageRole[] }
  | { area: 'other'; roles: readonly ('public' | 'machine')[] }

export function accessOf(method: string, url: string): RouteAccess | null {
  const key = routeKey(method, url)
  const api = API_ACCESS[key]
  if (api) return { area: 'api', roles: ['administrator', ...api] }
  const pages = PAGE_ACCESS[key]
  if (pages) return { area: 'page', roles: pages }
  const other = OTHER_ACCESS[key]
  if (other) return { area: 'other', roles: [other] }
  return null
}

/** An onRoute hook for the API: the roles that may call a route go in its OpenAPI description. */
export function describeRoles(route: RouteOptions): void {
  const roles = API_ACCESS[routeKey([route.method].flat()[0] ?? '', route.url)]
  if (roles === undefined || route.schema === undefined) return
  const text = `Roles: ${['administrator', ...roles].join(', ')}.`
  const description = (route.schema as { description?: string }).description
  route.schema = { ...route.schema, description: description ? `${description}\n\n${text}` : text }
}

/** A registered route: its method, pattern and schema (the tests that walk every route read them). */
export interface RegisteredRoute {
  method: string
  url: string
  schema: RouteOptions['schema']
}

const recorded = new WeakMap<FastifyInstance, RegisteredRoute[]>()

/** Notes every route registered from now on (the walk and fuzz tests list them). */
export function recordRoutes(app: FastifyInstance): void {
  const list: RegisteredRoute[] = []
  recorded.set(app, list)
  app.addHook('onRoute', (route: RouteOptions) => {
    for (const method of [route.method].flat()) list.push({ method, url: route.url, schema: route.schema })
  })
}

export function registeredRoutes(app: FastifyInstance): readonly RegisteredRoute[] {
  return recorded.get(app) ?? []
}

const unauthorized = () =>
  new ApiError(
    401,
    'unauthorized',
    'Adgang kræver en gyldig API-nøgle i headeren x-api-key.',
    'A valid API key is required in the x-api-key header.',
  )

const forbidden = (caller: ApiCaller) =>
  new ApiError(
    403,
    'forbidden',
    `API-nøglen "${caller.name}" (rollen ${caller.role}) giver ikke adgang til denne handling.`,
    `The API key "${caller.name}" (role ${caller.role}) does not give access to this action.`,
  )

const otherMunicipality = (caller: ApiCaller, municipality: string) =>
  new ApiError(
    403,
    'forbidden-municipality',
    `API-nøglen "${caller.name}" gælder kun for ${caller.municipality}, ikke for ${municipality}.`,
    `The API key "${caller.name}" is for ${caller.municipality} only, not for ${municipality}.`,
  )

/**
 * The API's one access hook: the key (401 when missing, unknown, revoked or expired), then the route's
 * entry in API_ACCESS and the key's municipality (403). A route without an entry is refused.
 */
export function authorizeApi(services: Pick<Services, 'db' | 'clock'>, environmentKey: string) {
  return async (request: FastifyRequest) => {
    const given = request.headers['x-api-key']
    const caller = await callerOfKey(
      services.db,
      typeof given === 'string' ? given : undefined,
      environmentKey,
      services.clock.now(),
    )
    if (!caller) throw unauthorized()
    request.apiCaller = caller
    const roles = API_ACCESS[routeKey(request.method, request.routeOptions.url ?? '')]
    if (roles === undefined || (caller.role !== 'administrator' && !roles.includes(caller.role))) {
      throw forbidden(caller)
    }
    const { municipality } = (request.params ?? {}) as { municipality?: string }
    if (caller.municipality !== null && municipality !== undefined && municipality !== caller.municipality) {
      throw otherMunicipality(caller, municipality)
    }
  }
}

/**
 * SIP2 messages a machine account may send. Before login (93, or the FBS envelope's account) only 93 and
 * 97 are answered; everything else gets 94 with ok 0 (01 gets no answer). After login every message is
 * accepted for the account's own municipality, except 37: fees are paid to the municipality, never at a
 * machine (the answer says not paid). sip2-session.ts implements this; access-control.test.ts holds it to it.
 */
export const SIP2_ACCESS: Readonly<
  Record<
    string,
    { name: string; beforeLogin: 'answered' | 'login-required'; afterLogin: 'accepted' | 'refused' }
  >
> = {
  '93': { name: 'login', beforeLogin: 'answered', afterLogin: 'accepted' },
  '97': { name: 'request resend', beforeLogin: 'answered', afterLogin: 'accepted' },
  '99': { name: 'SC status', beforeLogin: 'login-required', afterLogin: 'accepted' },
  '23': { name: 'patron status', beforeLogin: 'login-required', afterLogin: 'accepted' },
  '63': { name: 'patron information', beforeLogin: 'login-required', afterLogin: 'accepted' },
  '35': { name: 'end patron session', beforeLogin: 'login-required', afterLogin: 'accepted' },
  '11': { name: 'checkout', beforeLogin: 'login-required', afterLogin: 'accepted' },
  '09': { name: 'checkin', beforeLogin: 'login-required', afterLogin: 'accepted' },
  '29': { name: 'renew', beforeLogin: 'login-required', afterLogin: 'accepted' },
  '65': { name: 'renew all', beforeLogin: 'login-required', afterLogin: 'accepted' },
  '17': { name: 'item information', beforeLogin: 'login-required', afterLogin: 'accepted' },
  '15': { name: 'hold', beforeLogin: 'login-required', afterLogin: 'accepted' },
  '37': { name: 'fee paid', beforeLogin: 'login-required', afterLogin: 'refused' },
  '01': { name: 'block patron', beforeLogin: 'login-required', afterLogin: 'accepted' },
}

/**
 * The CLI is the operator's tool: whoever runs it has the database (DATABASE_URL or the data folder) and
 * the environment's secrets, so every command is theirs. Some exist only there: making staff, SIP2 and
 * API accounts, revoking sessions and keys.
 */
export const CLI_ACCESS: Readonly<Record<string, 'operator'>> = {
  start: 'operator',
  migrate: 'operator',
  backup: 'operator',
  restore: 'operator',
  'policy show': 'operator',
  'policy check': 'operator',
  'run nightly': 'operator',
  'run deliver': 'operator',
  'sip2-account': 'operator',
  'staff-account': 'operator',
  'api-key create': 'operator',
  'api-key list': 'operator',
  'api-key revoke': 'operator',
  'sessions revoke': 'operator',
  'receivables import-bank-file': 'operator',
  'receivables import-gaeldsstyrelsen': 'operator',
  'receivables payouts': 'operator',
  'receivables transfers': 'operator',
  'report reconciliation': 'operator',
  scenario: 'operator',
}
