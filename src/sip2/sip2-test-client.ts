// A SIP2 client for tests and the bench: the same requests over TCP (one CR-terminated line out, one back)
// or over the FBS XML endpoint (`POST /rest/sip2/{agency}`, one envelope per message, no 93).

import assert from 'node:assert/strict'
import net from 'node:net'
import { formatFbsRequest, parseFbsAnswer } from './fbs-envelope.ts'
import { formatSip2Request, parseSip2Response, type Sip2Request, type Sip2Response } from './sip2-messages.ts'

export interface Sip2Transport {
  /** Sends one message (without terminator) and returns the response line (without terminator). */
  request(text: string): Promise<string>
  close(): void
}

/** A TCP connection to the SIP2 server. */
export class Sip2TcpClient implements Sip2Transport {
  private buffer = ''
  private waiting: ((line: string) => void)[] = []
  private lines: string[] = []
  /** Settles when the server (or this client) closes the connection. */
  readonly closed: Promise<void>
  private constructor(private readonly socket: net.Socket) {
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()))
    socket.setEncoding('utf8')
    socket.setNoDelay(true)
    socket.on('data', (data: string) => {
      this.buffer += data
      let index = this.buffer.indexOf('\r')
      while (index >= 0) {
        const line = this.buffer.slice(0, index)
        this.buffer = this.buffer.slice(index + 1)
        const waiter = this.waiting.shift()
        if (waiter) waiter(line)
        else this.lines.push(line)
        index = this.buffer.indexOf('\r')
      }
    })
  }
  static connect(port: number, host = '127.0.0.1'): Promise<Sip2TcpClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, host, () => resolve(new Sip2TcpClient(socket)))
      socket.once('error', reject)
    })
  }
  send(text: string, ending = '\r'): void {
    this.socket.write(`${text}${ending}`)
  }
  read(timeoutMs = 5000): Promise<string> {
    const line = this.lines.shift()
    if (line !== undefined) return Promise.resolve(line)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no response')), timeoutMs)
      this.waiting.push((l) => {
        clearTimeout(timer)
        resolve(l)
      })
    })
  }
  request(text: string, ending = '\r'): Promise<string> {
    this.send(text, ending)
    return this.read()
  }
  close(): void {
    this.socket.destroy()
  }
}

/** Posts each message in an FBS envelope; an `<error>` answer is returned as `ERROR: text`. */
export class Sip2FbsClient implements Sip2Transport {
  constructor(
    private readonly url: string,
    private readonly login: string,
    private readonly password: string,
  ) {}
  async request(text: string): Promise<string> {
    const answer = await fetch(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/xml; charset=utf-8' },
      body: formatFbsRequest({ login: this.login, password: this.password, request: text }),
    })
    const parsed = parseFbsAnswer(await answer.text())
    if (parsed.kind === 'invalid') throw new Error(`invalid FBS answer (${answer.status}): ${parsed.reason}`)
    return parsed.kind === 'error' ? `ERROR: ${parsed.text}` : parsed.text
  }
  close(): void {}
}

/** Builds messages with sequence numbers and checksums, and reads the answers. */
export class Sip2Dialogue {
  private sequence = 0
  constructor(readonly transport: Sip2Transport) {}
  message(request: Sip2Request): string {
    return formatSip2Request(request, { errorDetection: { sequence: this.sequence++ % 10, checksum: true } })
  }
  /** Sends a request and returns the raw answer line. */
  raw(request: Sip2Request): Promise<string> {
    return this.transport.request(this.message(request))
  }
  /** Sends a request and returns the parsed answer (fails the test on an unparsable one). */
  async send<T extends Sip2Response['type']>(
    request: Sip2Request,
    expected: T,
  ): Promise<Extract<Sip2Response, { type: T }> & { line: string }> {
    const line = await this.raw(request)
    const parsed = parseSip2Response(line)
    assert.ok(parsed.ok, `unparsable response ${line}`)
    assert.equal(parsed.message.type, expected, line)
    return { ...(parsed.message as Extract<Sip2Response, { type: T }>), line }
  }
  /** Logs the machine in (93) and fails the test unless the answer is ok. */
  async logIn(login: string, password: string): Promise<void> {
    const answer = await this.send(
      { type: 'login', uidAlgorithm: '0', pwdAlgorithm: '0', loginUserId: login, loginPassword: password },
      'login-response',
    )
    assert.equal(answer.ok, true, `login ${login}`)
  }
  close(): void {
    this.transport.close()
  }
}

/** Requests as a machine of one institution sends them, for the tests. */
export function sip2Requests(institutionId: string) {
  const patron = (id: string, pin?: string) => ({
    institutionId,
    patronIdentifier: id,
    ...(pin === undefined ? {} : { patronPassword: pin }),
  })
  return {
    patron,
    checkout: (
      id: string,
      item: string,
      extra: Partial<Extract<Sip2Request, { type: 'checkout' }>> = {},
    ): Sip2Request => ({
      type: 'checkout',
      scRenewalPolicy: false,
      noBlock: false,
      transactionDate: null,
      nbDueDate: null,
      ...patron(id),
      itemIdentifier: item,
      ...extra,
    }),
    checkin: (item: string, extra: Partial<Extract<Sip2Request, { type: 'checkin' }>> = {}): Sip2Request => ({
      type: 'checkin',
      noBlock: false,
      transactionDate: null,
      returnDate: null,
      currentLocation: 'hoved',
      institutionId,
      itemIdentifier: item,
      ...extra,
    }),
    patronInformation: (id: string, summary: Record<string, boolean>, pin?: string): Sip2Request => ({
      type: 'patron-information',
      language: '009',
      transactionDate: null,
      summary,
      ...patron(id, pin),
    }),
    patronStatus: (id: string, pin?: string): Sip2Request => ({
      type: 'patron-status',
      language: '009',
      transactionDate: null,
      ...patron(id, pin),
    }),
    renew: (id: string, item: string, pin?: string): Sip2Request => ({
      type: 'renew',
      thirdPartyAllowed: false,
      noBlock: false,
      transactionDate: null,
      nbDueDate: null,
      ...patron(id, pin),
      itemIdentifier: item,
    }),
  }
}
