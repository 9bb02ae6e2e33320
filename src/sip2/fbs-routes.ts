// The FBS dialect over HTTPS: `POST /rest/sip2/{agency}` with a SIP2 message in an XML envelope that
// carries the machine's account (the same accounts as SIP2 login 93; no 93 here). Every answer is an
// envelope: `<response>` with the SIP2 answer, or `<error>` with a text (and a 4xx status) when the
// envelope, the agency or the account is wrong. TLS is ended in front of laan (a proxy), as for the API.
//
// Each machine keeps one session across requests, so 97 resends its last answer and a PIN checked once is
// not checked again; a verified password is remembered for a few minutes (argon2 per request would cost
// more than the answer).

import { createHash } from 'node:crypto'
import type { FastifyPluginAsync } from 'fastify'
import type { Services } from '../services.ts'
import { formatFbsError, formatFbsResponse, parseFbsEnvelope } from './fbs-envelope.ts'
import { type Sip2Account, verifySip2Account } from './sip2-accounts.ts'
import { municipalityOfAgency } from './sip2-agencies.ts'
import { Sip2Session, type Sip2SessionOptions } from './sip2-session.ts'

const PASSWORD_MEMORY_MS = 5 * 60 * 1000
const MAX_ENVELOPE_BYTES = 64 * 1024

export interface FbsRouteOptions {
  services: Services
  onError?: (error: unknown) => void
  onMessage?: Sip2SessionOptions['onMessage']
}

export const fbsRoutes: FastifyPluginAsync<FbsRouteOptions> = async (app, options) => {
  const { services } = options
  const verified = new Map<string, { digest: string; account: Sip2Account; until: number }>()
  const sessions = new Map<string, Sip2Session>()

  /** The machine's account; 'locked' after too many wrong passwords (a machine already verified goes on). */
  async function accountOf(login: string, password: string): Promise<Sip2Account | 'locked' | null> {
    const digest = createHash('sha256').update(`${login}\u0000${password}`).digest('base64')
    const known = verified.get(login)
    if (known && known.digest === digest && known.until > Date.now()) return known.account
    if (services.machineLogins.lockedUntil(login, services.clock.now())) return 'locked'
    const account = await verifySip2Account(services.db, login, password, {
      limiter: services.machineLogins,
      now: services.clock.now(),
    })
    // A wrong password leaves the machine's verified one alone: guessing must not lock the real machine out.
    if (account) verified.set(login, { digest, account, until: Date.now() + PASSWORD_MEMORY_MS })
    return account
  }

  function sessionOf(account: Sip2Account): Sip2Session {
    let session = sessions.get(account.login)
    if (!session) {
      session = new Sip2Session(services, {
        dialect: 'fbs',
        account,
        monitor: services.machines,
        ...(options.onError ? { onError: options.onError } : {}),
        ...(options.onMessage ? { onMessage: options.onMessage } : {}),
      })
      sessions.set(account.login, session)
    }
    return session
  }

  app.addContentTypeParser(
    ['application/xml', 'text/xml', 'text/plain', 'application/soap+xml'],
    { parseAs: 'string', bodyLimit: MAX_ENVELOPE_BYTES },
    (_request, body, done) => done(null, body),
  )

  app.post<{ Params: { agency: string }; Body: unknown }>(
    '/:agency',
    {
      schema: {
        tags: ['self-service'],
        summary: 'A SIP2 message from an FBS kiosk, in the FBS XML envelope',
        description:
          'Body `<ns1:sip login="…" password="…" xmlns:ns1="http://axiell.com/Schema/sip.xsd"><request>SIP2 message</request></ns1:sip>`; ' +
          'the answer is the same envelope with `<response>` or `<error>`. Item fields carry %-separated sub-fields.',
        security: [],
        params: { type: 'object', properties: { agency: { type: 'string' } }, required: ['agency'] },
      },
    },
    async (request, reply) => {
      reply.type('application/xml; charset=utf-8')
      const fail = (status: number, text: string) => reply.code(status).send(formatFbsError(text))
      const municipality = municipalityOfAgency(request.params.agency)
      if (municipality === null || !services.policies.has(municipality)) {
        return fail(404, `Ukendt bibliotek (agency) ${request.params.agency}.`)
      }
      const parsed = parseFbsEnvelope(typeof request.body === 'string' ? request.body : '')
      if (!parsed.ok) return fail(400, `Ugyldig forespørgsel: ${parsed.error}.`)
      const { login, password, request: message } = parsed.envelope
      const account = await accountOf(login, password)
      if (account === 'locked') return fail(429, 'For mange forkerte logins. Prøv igen om nogle minutter.')
      if (!account) return fail(401, 'Forkert login eller adgangskode.')
      if (account.municipality !== municipality) {
        return fail(403, `Kontoen ${login} hører ikke til ${request.params.agency}.`)
      }
      if (message.startsWith('93')) return fail(400, 'Login (93) sker med kuvertens login og password.')
      try {
        const answer = await sessionOf(account).handle(message)
        return reply.send(formatFbsResponse(answer ?? ''))
      } catch (error) {
        options.onError?.(error)
        return fail(500, 'Der opstod en fejl. Prøv igen.')
      }
    },
  )
}
