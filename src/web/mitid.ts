// MitID through an OpenID Connect broker (authorization code with PKCE, state and nonce): the broker's ID
// token carries the CPR number, birth date and name, under the claim names Danish brokers use.

import * as oidc from 'openid-client'
import { birthDateFromCpr, normaliseCpr } from '../patrons/cpr.ts'
import type { LocalDate } from '../shared/time.ts'

export interface MitIdSettings {
  issuer: string
  clientId: string
  clientSecret: string
  /** Where the broker sends the citizen back: `<public url>/mitid/callback`. */
  redirectUri: string
}

export interface MitIdIdentity {
  cpr: string
  birthDate: LocalDate
  name: string
}

/** What the callback needs to check the answer: kept in a signed cookie between the two requests. */
export interface MitIdChallenge {
  state: string
  nonce: string
  verifier: string
}

export class MitIdError extends Error {}

const CPR_CLAIMS = ['dk.cpr', 'cpr', 'https://data.gov.dk/model/core/eid/cprNumber']
const BIRTH_DATE_CLAIMS = ['birthdate', 'https://data.gov.dk/model/core/eid/dateOfBirth']

/** The identity in the broker's claims; the birth date falls back to the CPR number's. */
export function identityOfClaims(claims: Record<string, unknown>): MitIdIdentity {
  const rawCpr = CPR_CLAIMS.map((name) => claims[name]).find((v) => typeof v === 'string')
  if (typeof rawCpr !== 'string') throw new MitIdError('the broker sent no CPR number')
  const cpr = normaliseCpr(rawCpr)
  const rawBirth = BIRTH_DATE_CLAIMS.map((name) => claims[name]).find((v) => typeof v === 'string')
  const birthDate =
    typeof rawBirth === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(rawBirth) ? rawBirth : birthDateFromCpr(cpr)
  const given = typeof claims.given_name === 'string' ? claims.given_name : ''
  const family = typeof claims.family_name === 'string' ? claims.family_name : ''
  const name =
    typeof claims.name === 'string' && claims.name.trim() !== '' ? claims.name : `${given} ${family}`.trim()
  return { cpr, birthDate, name: name || cpr.slice(0, 6) }
}

export class MitIdBroker {
  private configuration: Promise<oidc.Configuration> | null = null

  constructor(private readonly settings: MitIdSettings) {}

  private config(): Promise<oidc.Configuration> {
    this.configuration ??= oidc
      .discovery(
        new URL(this.settings.issuer),
        this.settings.clientId,
        this.settings.clientSecret,
        undefined,
        // A broker on plain http is only a local test provider.
        this.settings.issuer.startsWith('http:') ? { execute: [oidc.allowInsecureRequests] } : undefined,
      )
      .catch((error: unknown) => {
        this.configuration = null
        throw error
      })
    return this.configuration
  }

  /** The broker's login address and the challenge to keep until the callback. */
  async start(): Promise<{ url: URL; challenge: MitIdChallenge }> {
    const config = await this.config()
    const challenge = {
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      verifier: oidc.randomPKCECodeVerifier(),
    }
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.settings.redirectUri,
      scope: 'openid profile',
      state: challenge.state,
      nonce: challenge.nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(challenge.verifier),
      code_challenge_method: 'S256',
    })
    return { url, challenge }
  }

  /** The identity from the broker's answer at the callback address. */
  async finish(callbackUrl: URL, challenge: MitIdChallenge): Promise<MitIdIdentity> {
    const config = await this.config()
    const tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
      pkceCodeVerifier: challenge.verifier,
      expectedState: challenge.state,
      expectedNonce: challenge.nonce,
      idTokenExpected: true,
    })
    const claims = tokens.claims()
    if (!claims) throw new MitIdError('the broker sent no ID token')
    return identityOfClaims(claims as Record<string, unknown>)
  }
}
