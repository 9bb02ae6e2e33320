// For tests of the web pages over app.inject: a cookie jar, form posts carrying the page's CSRF token,
// and following a redirect.

import assert from 'node:assert/strict'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'

export /** A browser's cookie jar and form posts over app.inject. */
class Browser {
  private cookies = new Map<string, string>()
  constructor(private readonly app: FastifyInstance) {}
  private remember(response: LightMyRequestResponse) {
    for (const c of response.cookies) {
      if (c.value === '' || (c.expires && c.expires.getTime() < Date.now())) this.cookies.delete(c.name)
      else this.cookies.set(c.name, c.value)
    }
  }
  private header() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  }
  async get(url: string) {
    const response = await this.app.inject({ method: 'GET', url, headers: { cookie: this.header() } })
    this.remember(response)
    return response
  }
  /** Posts a form with the CSRF token of the page it came from. */
  async post(url: string, fields: Record<string, string>, from: LightMyRequestResponse) {
    const csrf = /name="_csrf" value="([^"]+)"/.exec(from.body)?.[1] ?? ''
    const response = await this.app.inject({
      method: 'POST',
      url,
      headers: { cookie: this.header(), 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: csrf, ...fields }).toString(),
    })
    this.remember(response)
    return response
  }
  async follow(response: LightMyRequestResponse) {
    assert.equal(response.statusCode, 303, response.body)
    return this.get(String(response.headers.location))
  }
}
