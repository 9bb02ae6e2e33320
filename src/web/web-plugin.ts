// The web pages: server-rendered HTML in Danish (English on request), plain forms that work without
// JavaScript, secure cookies, CSRF tokens on every form, security headers and rate limits on logins.
// Encapsulated: none of this touches the JSON API.

import { fileURLToPath } from 'node:url'
import cookie from '@fastify/cookie'
import csrf from '@fastify/csrf-protection'
import formbody from '@fastify/formbody'
import helmet from '@fastify/helmet'
import rateLimit from '@fastify/rate-limit'
import fastifyStatic from '@fastify/static'
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { loadConfig } from '../config.ts'
import type { Services } from '../services.ts'
import { deskRoutes } from './desk-routes.ts'
import { html } from './html.ts'
import { mboRoutes } from './mbo-routes.ts'
import { minSideRoutes } from './min-side-routes.ts'
import { MitIdBroker, type MitIdSettings } from './mitid.ts'
import { registrationRoutes } from './registration-routes.ts'
import { page } from './web-layout.ts'
import { LANG_COOKIE, libraryOf, pathOf, requestLang, sendPage } from './web-request.ts'
import { langOf, TEXTS, type Texts } from './web-texts.ts'

export interface WebOptions {
  services: Services
  /** The MitID broker's settings (tests give a local provider); by default from the config. */
  mitid?: MitIdSettings | undefined
}

function errorPage(request: FastifyRequest, reply: FastifyReply, status: number, t: Texts, text: string) {
  const lang = langOf(request.cookies?.[LANG_COOKIE])
  return sendPage(
    reply,
    status,
    page(
      { lang, t, title: t.errorTitle, path: pathOf(request) },
      html`<h1>${t.errorTitle}</h1><p>${text}</p><p><a href="/">${t.libraries}</a></p>`,
    ).text,
  )
}

export const webPlugin: FastifyPluginAsync<WebOptions> = async (app, { services, mitid }) => {
  const config = services.config ?? loadConfig({})
  // Pages, not API: kept out of the OpenAPI document.
  app.addHook('onRoute', (route) => {
    route.schema = { ...(route.schema ?? {}), hide: true }
  })
  await app.register(cookie, { secret: config.cookieSecret })
  await app.register(formbody, { bodyLimit: 16 * 1024 })
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
  })
  await app.register(rateLimit, { global: false })
  await app.register(csrf, {
    cookieOpts: { signed: true, httpOnly: true, sameSite: 'strict', path: '/', secure: config.secureCookies },
  })
  await app.register(fastifyStatic, {
    root: fileURLToPath(new URL('./static/', import.meta.url)),
    prefix: '/static/',
    maxAge: 3600_000,
  })

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const t = TEXTS[langOf(request.cookies?.[LANG_COOKIE])]
    if (error.code === 'FST_CSRF_INVALID_TOKEN' || error.code === 'FST_CSRF_MISSING_SECRET') {
      return errorPage(request, reply, 403, t, t.formExpired)
    }
    if (error.statusCode === 429) return errorPage(request, reply, 429, t, t.tooMany)
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      return errorPage(request, reply, error.statusCode, t, t.notFound)
    }
    request.log.error({ err: error }, 'web page failed')
    return errorPage(request, reply, 500, t, t.serverError)
  })

  app.get('/', async (request, reply) => {
    const lang = requestLang(request, reply)
    const t = TEXTS[lang]
    const libraries = services.policies.municipalities().flatMap((code) => libraryOf(services, code) ?? [])
    return sendPage(
      reply,
      200,
      page(
        { lang, t, title: t.chooseLibrary, path: pathOf(request) },
        html`<h1>${t.chooseLibrary}</h1>
<ul>${libraries.map((l) => html`<li><a href="/${l.code}/min-side">${l.name}</a></li>`)}</ul>`,
      ).text,
    )
  })

  const brokerSettings =
    mitid ?? (config.mitid && { ...config.mitid, redirectUri: `${config.publicUrl}/mitid/callback` })
  const broker = brokerSettings ? new MitIdBroker(brokerSettings) : null
  await app.register(minSideRoutes, { services, mitid: broker !== null })
  await app.register(mboRoutes, { services })
  await app.register(registrationRoutes, { services, broker })
  await app.register(deskRoutes, { services })
}
