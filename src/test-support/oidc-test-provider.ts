// A local OpenID provider standing in for the MitID broker in tests (oidc-provider with its development
// login screens): the login name picks one of the test citizens, whose ID token carries the CPR number,
// birth date and name as MitID brokers send them.

import type { AddressInfo } from 'node:net'
import Provider from 'oidc-provider'

export interface TestCitizen {
  cpr: string
  birthdate: string
  name: string
}

export interface OidcTestProvider {
  issuer: string
  clientId: string
  clientSecret: string
  close(): Promise<void>
}

export async function startOidcTestProvider(
  redirectUri: string,
  citizens: Record<string, TestCitizen>,
): Promise<OidcTestProvider> {
  const clientId = 'laan'
  const clientSecret = 'laan-test-secret-which-is-long-enough'
  let issuer = 'http://127.0.0.1'
  const provider = () =>
    new Provider(issuer, {
      clients: [
        {
          client_id: clientId,
          client_secret: clientSecret,
          redirect_uris: [redirectUri],
          grant_types: ['authorization_code'],
          response_types: ['code'],
        },
      ],
      claims: { openid: ['sub'], profile: ['name', 'birthdate', 'dk.cpr'] },
      // The claims in the ID token itself, as MitID brokers send them.
      conformIdTokenClaims: false,
      pkce: { required: () => true },
      features: { devInteractions: { enabled: true } },
      findAccount: async (_ctx, id) => {
        const citizen = citizens[id]
        if (!citizen) return undefined
        return {
          accountId: id,
          claims: async () => ({
            sub: id,
            name: citizen.name,
            birthdate: citizen.birthdate,
            'dk.cpr': citizen.cpr,
          }),
        }
      },
    })
  // The issuer must name the port, which is known once listening: listen, then build on that port.
  const probe = provider().listen(0)
  await new Promise((resolve) => probe.once('listening', resolve))
  const port = (probe.address() as AddressInfo).port
  await new Promise((resolve) => probe.close(resolve))
  issuer = `http://127.0.0.1:${port}`
  const server = provider().listen(port, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  return {
    issuer,
    clientId,
    clientSecret,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}
