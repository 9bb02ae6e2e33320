// Logging in and registering with MitID (seed 002: "Du kan registrere dig som låner med MitID"): an
// adult is a patron at once and chooses a PIN; a 15–17-year-old is registered pending a guardian's
// consent, which the guardian gives on Min side; a younger child is asked to come in with a guardian.

import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import type { Db } from '../db/database.ts'
import { type CprVault, withCpr } from '../patrons/cpr-vault.ts'
import { findPatronByCardOrCpr } from '../patrons/patron-repository.ts'
import { hashPin, registerPatron } from '../patrons/patron-service.ts'
import type { Services } from '../services.ts'
import { newSecretToken, secretTokenHash } from '../shared/secret-tokens.ts'
import { ageOn, localDateOf } from '../shared/time.ts'
import { html } from './html.ts'
import { type MitIdBroker, type MitIdChallenge, MitIdError, type MitIdIdentity } from './mitid.ts'
import { startPatronSession } from './patron-session.ts'
import { REGISTRATION_TEXTS } from './registration-texts.ts'
import { page } from './web-layout.ts'
import { libraryOf, pathOf, requestLang, sendPage } from './web-request.ts'
import { loadSession, SESSION_COOKIE, setFlash } from './web-sessions.ts'
import { TEXTS } from './web-texts.ts'

const CHALLENGE_COOKIE = 'laan_mitid'
const IDENTITY_COOKIE = 'laan_identity'
const IDENTITY_MINUTES = 15
/** seed 002: from 15 a child registers with a guardian's consent; from 18 alone. */
const CONSENT_FROM_AGE = 15
const ADULT_AGE = 18

type Params = { municipality: string }

/** Keeps the identity MitID vouched for server-side for a few minutes; the cookie holds a random token. */
async function keepIdentity(
  db: Db,
  vault: CprVault,
  municipality: string,
  identity: MitIdIdentity,
  now: Date,
): Promise<string> {
  const token = newSecretToken()
  await db
    .insertInto('verifiedIdentities')
    .values({
      tokenHash: secretTokenHash(token),
      municipality,
      cprHash: vault.hash(identity.cpr),
      cprEncrypted: vault.encrypt(identity.cpr),
      birthDate: identity.birthDate,
      name: identity.name,
      expiresAt: new Date(now.getTime() + IDENTITY_MINUTES * 60_000),
    })
    .execute()
  return token
}

async function identityOf(
  db: Db,
  vault: CprVault,
  token: string | undefined,
  municipality: string,
  now: Date,
) {
  if (!token) return null
  const row = await db
    .selectFrom('verifiedIdentities')
    .selectAll()
    .where('tokenHash', '=', secretTokenHash(token))
    .where('municipality', '=', municipality)
    .where('expiresAt', '>', now)
    .executeTakeFirst()
  return row ? withCpr(vault, row) : null
}

export const registrationRoutes: FastifyPluginAsync<{
  services: Services
  broker: MitIdBroker | null
}> = async (app, { services, broker }) => {
  const { db, clock, cprVault } = services
  const secure = services.config?.secureCookies ?? false

  const library = (code: string) => libraryOf(services, code)

  function texts(request: FastifyRequest, reply: FastifyReply) {
    const lang = requestLang(request, reply)
    return { lang, t: TEXTS[lang], r: REGISTRATION_TEXTS[lang] }
  }

  function show(
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    lib: { code: string; name: string },
    title: string,
    body: ReturnType<typeof html>,
    error: string | null = null,
  ) {
    const { lang, t } = texts(request, reply)
    return sendPage(
      reply,
      status,
      page(
        {
          lang,
          t,
          title,
          library: lib,
          path: pathOf(request),
          flash: error ? { kind: 'error', text: error } : null,
        },
        body,
      ).text,
    )
  }

  const logIn = (reply: FastifyReply, request: FastifyRequest, municipality: string, patronId: number) =>
    startPatronSession(services, request, reply, municipality, patronId)

  // --- MitID ------------------------------------------------------------------------------------------

  app.get<{ Params: Params }>('/:municipality/mitid', async (request, reply) => {
    const lib = library(request.params.municipality)
    const { r } = texts(request, reply)
    if (!lib) return reply.callNotFound()
    if (!broker)
      return show(
        request,
        reply,
        503,
        lib,
        r.mitidTitle,
        html`<h1>${r.mitidTitle}</h1><p>${r.mitidUnavailable}</p>`,
      )
    const { url, challenge } = await broker.start()
    reply.setCookie(CHALLENGE_COOKIE, JSON.stringify({ ...challenge, municipality: lib.code }), {
      path: '/mitid',
      httpOnly: true,
      sameSite: 'lax',
      secure,
      signed: true,
      maxAge: 600,
    })
    return reply.redirect(url.href, 303)
  })

  app.get('/mitid/callback', async (request, reply) => {
    const unsigned = request.unsignCookie(request.cookies[CHALLENGE_COOKIE] ?? '')
    reply.clearCookie(CHALLENGE_COOKIE, { path: '/mitid' })
    let saved: (MitIdChallenge & { municipality: string }) | null = null
    try {
      saved = unsigned.valid && unsigned.value ? JSON.parse(unsigned.value) : null
    } catch {
      saved = null
    }
    const lib = saved ? library(saved.municipality) : null
    if (!broker || !saved || !lib) return reply.redirect('/', 303)
    const { r } = texts(request, reply)
    let identity: MitIdIdentity
    try {
      const publicUrl = services.config?.publicUrl ?? `http://${request.host}`
      identity = await broker.finish(new URL(request.url, publicUrl), saved)
    } catch (error) {
      request.log.warn(
        { err: error instanceof MitIdError ? error.message : 'MitID answer refused' },
        'MitID login failed',
      )
      return show(
        request,
        reply,
        400,
        lib,
        r.mitidTitle,
        html`<h1>${r.mitidTitle}</h1><p>${r.mitidFailed}</p>
<p><a href="/${lib.code}/log-ind">${r.backToLogin}</a></p>`,
      )
    }
    const now = clock.now()
    const patron = await findPatronByCardOrCpr(db, cprVault, lib.code, identity.cpr)
    if (patron) {
      await logIn(reply, request, lib.code, patron.id)
      return reply.redirect(`/${lib.code}/min-side`, 303)
    }
    const token = await keepIdentity(db, cprVault, lib.code, identity, now)
    reply.setCookie(IDENTITY_COOKIE, token, {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure,
      maxAge: IDENTITY_MINUTES * 60,
    })
    return reply.redirect(`/${lib.code}/tilmeld`, 303)
  })

  // --- registration -----------------------------------------------------------------------------------

  app.get<{ Params: Params }>('/:municipality/tilmeld', async (request, reply) => {
    const lib = library(request.params.municipality)
    if (!lib) return reply.callNotFound()
    const { r } = texts(request, reply)
    const identity = await identityOf(db, cprVault, request.cookies[IDENTITY_COOKIE], lib.code, clock.now())
    if (!identity) {
      return show(
        request,
        reply,
        200,
        lib,
        r.registerTitle,
        html`<h1>${r.registerTitle}</h1>
<p>${r.registerIntro}</p>
<p><a class="button" href="/${lib.code}/mitid">${r.registerWithMitId}</a></p>`,
      )
    }
    return registrationForm(request, reply, lib, identity, 200, [])
  })

  function registrationForm(
    request: FastifyRequest,
    reply: FastifyReply,
    lib: { code: string; name: string },
    identity: { name: string; birthDate: string },
    status: number,
    errors: string[],
    values: Record<string, string> = {},
  ) {
    const { r } = texts(request, reply)
    const age = ageOn(identity.birthDate, localDateOf(clock.now()))
    if (age < CONSENT_FROM_AGE) {
      return show(
        request,
        reply,
        200,
        lib,
        r.registerTitle,
        html`<h1>${r.registerTitle}</h1><p>${r.tooYoung}</p>`,
      )
    }
    const needsConsent = age < ADULT_AGE
    const csrf = reply.generateCsrf()
    return show(
      request,
      reply,
      status,
      lib,
      r.registerTitle,
      html`<h1>${r.registerTitle}</h1>
<p>${r.hello(identity.name)}</p>
${needsConsent && html`<p class="card">${r.consentIntro}</p>`}
${errors.length > 0 && html`<div class="flash error" role="alert"><p>${r.fixErrors}</p><ul>${errors.map((e) => html`<li>${e}</li>`)}</ul></div>`}
<form method="post" action="/${lib.code}/tilmeld" novalidate>
  <input type="hidden" name="_csrf" value="${csrf}">
  <label for="pin">${r.choosePin} <span class="hint" id="pin-hint">${r.pinHint}</span></label>
  <input type="password" id="pin" name="pin" inputmode="numeric" autocomplete="new-password" required aria-describedby="pin-hint">
  <label for="pin2">${r.repeatPin}</label>
  <input type="password" id="pin2" name="pin2" inputmode="numeric" autocomplete="new-password" required>
  <label for="email">${r.email}</label>
  <input type="email" id="email" name="email" autocomplete="email" value="${values.email ?? ''}">
  <label for="phone">${r.phone}</label>
  <input type="tel" id="phone" name="phone" autocomplete="tel" value="${values.phone ?? ''}">
  ${
    needsConsent &&
    html`<label for="guardian">${r.guardian} <span class="hint" id="guardian-hint">${r.guardianHint}</span></label>
  <input type="text" id="guardian" name="guardian" inputmode="numeric" required aria-describedby="guardian-hint" value="${values.guardian ?? ''}">`
  }
  <div class="actions"><button type="submit">${needsConsent ? r.askConsent : r.becomePatron}</button></div>
</form>`,
    )
  }

  app.post<{ Params: Params; Body: Record<string, string | undefined> }>(
    '/:municipality/tilmeld',
    { preHandler: app.csrfProtection, config: { rateLimit: { max: 30, timeWindow: '1 minute' } } },
    async (request, reply) => {
      const lib = library(request.params.municipality)
      if (!lib) return reply.callNotFound()
      const { lang, r } = texts(request, reply)
      const now = clock.now()
      const identity = await identityOf(db, cprVault, request.cookies[IDENTITY_COOKIE], lib.code, now)
      if (!identity) return reply.redirect(`/${lib.code}/tilmeld`, 303)
      const body = request.body ?? {}
      const values = {
        email: String(body.email ?? '').trim(),
        phone: String(body.phone ?? '').trim(),
        guardian: String(body.guardian ?? '').trim(),
      }
      const pin = String(body.pin ?? '')
      const errors: string[] = []
      if (!/^\d{4,8}$/.test(pin)) errors.push(r.pinInvalid)
      else if (pin !== String(body.pin2 ?? '')) errors.push(r.pinMismatch)
      if (values.email !== '' && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(values.email)) errors.push(r.emailInvalid)
      const age = ageOn(identity.birthDate, localDateOf(now))
      if (age < CONSENT_FROM_AGE) return registrationForm(request, reply, lib, identity, 200, [])
      const guardian =
        age < ADULT_AGE && values.guardian !== ''
          ? await findPatronByCardOrCpr(db, cprVault, lib.code, values.guardian)
          : undefined
      if (age < ADULT_AGE) {
        if (values.guardian === '') errors.push(r.guardianMissing)
        else if (!guardian || ageOn(guardian.birthDate, localDateOf(now)) < ADULT_AGE)
          errors.push(r.guardianUnknown)
      }
      if (errors.length > 0) return registrationForm(request, reply, lib, identity, 400, errors, values)
      if (await findPatronByCardOrCpr(db, cprVault, lib.code, identity.cpr)) {
        return reply.redirect(`/${lib.code}/log-ind`, 303)
      }
      const pinHash = await hashPin(pin)
      const contact = {
        email: values.email === '' ? null : values.email,
        phone: values.phone === '' ? null : values.phone,
      }
      await db
        .deleteFrom('verifiedIdentities')
        .where('tokenHash', '=', secretTokenHash(request.cookies[IDENTITY_COOKIE] ?? ''))
        .execute()
      reply.clearCookie(IDENTITY_COOKIE, { path: '/' })
      if (age < ADULT_AGE && guardian) {
        await db
          .insertInto('pendingRegistrations')
          .values({
            municipality: lib.code,
            cprHash: identity.cprHash,
            cprEncrypted: cprVault.encrypt(identity.cpr),
            birthDate: identity.birthDate,
            name: identity.name,
            pinHash,
            ...contact,
            guardianId: guardian.id,
            createdAt: now,
          })
          .onConflict((oc) =>
            oc.columns(['municipality', 'cprHash']).where('status', '=', 'pending').doNothing(),
          )
          .execute()
        return show(
          request,
          reply,
          200,
          lib,
          r.registerTitle,
          html`<h1>${r.waitingTitle}</h1><p>${r.waitingForConsent}</p>`,
        )
      }
      const patron = await db.transaction().execute((trx) =>
        registerPatron(trx, cprVault, {
          municipality: lib.code,
          cpr: identity.cpr,
          name: identity.name,
          pinHash,
          ...contact,
          remindersOptIn: contact.email !== null || contact.phone !== null,
          language: lang,
          at: now,
        }),
      )
      const session = await loadSession(db, await logIn(reply, request, lib.code, patron.id), now)
      if (session) await setFlash(db, session, { kind: 'ok', text: r.welcome })
      return reply.redirect(`/${lib.code}/min-side`, 303)
    },
  )

  // --- the guardian's consent -------------------------------------------------------------------------

  app.post<{ Params: Params & { id: string }; Body: { decision?: string } }>(
    '/:municipality/min-side/samtykke/:id',
    { preHandler: app.csrfProtection },
    async (request, reply) => {
      const lib = library(request.params.municipality)
      if (!lib) return reply.callNotFound()
      const now = clock.now()
      const session = await loadSession(db, request.cookies[SESSION_COOKIE], now)
      if (!session || session.patronId === null || session.municipality !== lib.code) {
        return reply.redirect(`/${lib.code}/log-ind`, 303)
      }
      const guardianId = session.patronId
      const { r } = texts(request, reply)
      const id = Number(request.params.id)
      const consent = request.body?.decision === 'ja'
      const decided = await db.transaction().execute(async (trx) => {
        const pending = Number.isInteger(id)
          ? await trx
              .selectFrom('pendingRegistrations')
              .selectAll()
              .where('id', '=', id)
              .where('guardianId', '=', guardianId)
              .where('status', '=', 'pending')
              .forUpdate()
              .executeTakeFirst()
          : undefined
        if (!pending) return null
        const guardian = await trx
          .selectFrom('patrons')
          .select('cardNumber')
          .where('id', '=', guardianId)
          .executeTakeFirstOrThrow()
        const child = consent
          ? await registerPatron(trx, cprVault, {
              municipality: lib.code,
              cpr: cprVault.decrypt(pending.cprEncrypted),
              name: pending.name,
              pinHash: pending.pinHash,
              email: pending.email,
              phone: pending.phone,
              remindersOptIn: pending.email !== null || pending.phone !== null,
              guardian: guardian.cardNumber,
              at: now,
            })
          : null
        await trx
          .updateTable('pendingRegistrations')
          .set({ status: consent ? 'consented' : 'refused', decidedAt: now, patronId: child?.id ?? null })
          .where('id', '=', pending.id)
          .execute()
        return pending.name
      })
      if (decided !== null) {
        await setFlash(db, session, {
          kind: 'ok',
          text: consent ? r.consentGiven(decided) : r.consentRefused(decided),
        })
      }
      return reply.redirect(`/${lib.code}/min-side`, 303)
    },
  )
}
