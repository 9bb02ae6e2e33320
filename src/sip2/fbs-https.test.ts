// The FBS kiosks reach laan over HTTPS when LAAN_TLS_KEY/LAAN_TLS_CERT are set (a self-signed pair here).

import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { request } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, it } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../http/app.ts'
import { openTestServices, type TestContext } from '../test-support/test-services.ts'
import { formatFbsRequest, parseFbsAnswer } from './fbs-envelope.ts'
import { addSip2Account } from './sip2-accounts.ts'

let t: TestContext
let app: FastifyInstance
let dir: string
let cert: Buffer

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'laan-tls-'))
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  )
  cert = readFileSync(join(dir, 'cert.pem'))
  t = await openTestServices('kobenhavn')
  await addSip2Account(t.services.db, {
    login: 'kiosk',
    password: 'hemmelig',
    municipality: 'kobenhavn',
    location: 'Hovedbiblioteket',
  })
  app = await buildApp(t.services, { https: { key: readFileSync(join(dir, 'key.pem')), cert } })
  await app.listen({ port: 0, host: '127.0.0.1' })
})

after(async () => {
  await app?.close()
  await t?.close()
  rmSync(dir, { recursive: true, force: true })
})

it('answers an FBS envelope over HTTPS', async () => {
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  const body = formatFbsRequest({ login: 'kiosk', password: 'hemmelig', request: '9900302.00' })
  const answer = await new Promise<string>((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/rest/sip2/DK-710100',
        method: 'POST',
        ca: cert,
        headers: { 'content-type': 'application/xml' },
      },
      (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => {
          text += chunk
        })
        res.on('end', () => resolve(text))
      },
    )
    req.on('error', reject)
    req.end(body)
  })
  const parsed = parseFbsAnswer(answer)
  assert.equal(parsed.kind, 'response', answer)
  assert.match(parsed.kind === 'response' ? parsed.text : '', /^98YYYYNY/)
})
