// Fuzzing the SIP2 server over TCP: random bytes, truncated messages, corrupted checksums, shuffled fields
// and stray `|`, on one connection and on several at once, split into random chunks. Every message (a
// non-empty piece between CR/LF terminators) must get exactly one answer, in order and within a timeout
// (01 block patron none): exactly `96` when it does not parse, otherwise a response that parses and fits
// the request; and after each run a new connection logs in and gets 98 for 99. The expected answers come
// from a small model of a connection (logged in or not, the last response for 97) that reads the answers
// as they come; for 23, 63, 29, 65, 17, 15 and 37, served only lately, 96 passes as well as their own
// answer. And at the pure level: parseSip2Request never throws.

import assert from 'node:assert/strict'
import net from 'node:net'
import { after, before, describe, it } from 'node:test'
import fc from 'fast-check'
import { openTestServices, type TestContext } from '../test-support/test-services.ts'
import { addSip2Account } from './sip2-accounts.ts'
import { appendChecksumOnly, appendErrorDetection, decodeSip2Bytes } from './sip2-checksum.ts'
import { fixedPartLength, type Sip2Summary, SUMMARY_POSITIONS } from './sip2-fields.ts'
import {
  formatSip2Request,
  parseSip2Request,
  parseSip2Response,
  REQUEST_SPECS,
  type Sip2ErrorDetection,
  type Sip2Request,
} from './sip2-messages.ts'
import { createSip2Server, type Sip2Server } from './sip2-server.ts'
import { Sip2Dialogue, Sip2TcpClient } from './sip2-test-client.ts'

const LOGIN = 'automat1'
const PASSWORD = 'hemmelig'
/** The server's default longest message (sip2-server.ts). */
const MAX_MESSAGE_BYTES = 8 * 1024
/** No answer within this long counts as a hang. */
const ANSWER_TIMEOUT_MS = 3000
/** Runs per server property: moderate, so the file takes well under 30 s on 2 cores. */
const RUNS = Number(process.env.SIP2_FUZZ_RUNS ?? 30)

let t: TestContext
let server: Sip2Server
let port: number
const serverErrors: unknown[] = []

before(async () => {
  t = await openTestServices('kobenhavn')
  await addSip2Account(t.services.db, {
    login: LOGIN,
    password: PASSWORD,
    municipality: 'kobenhavn',
    location: 'Hovedbiblioteket',
  })
  await t.patron({ cardNumber: 'anna', birthDate: '1990-03-01' })
  await t.patron({ cardNumber: 'bo', birthDate: '1985-06-01' })
  for (const barcode of ['b1', 'b2', 'b3'])
    await t.item({ barcode, materialType: 'book', title: 'Kongens Fald' })
  server = createSip2Server(t.services, { idleTimeoutMs: 30_000, onError: (e) => serverErrors.push(e) })
  port = (await server.listen(0)).port
})

after(async () => {
  await server?.close()
  await t?.close()
})

// ---------------------------------------------------------------------------------------------------
// A raw connection: bytes out (in the chunks given), CR-terminated answers back as bytes. Random bytes
// cannot go through Sip2TcpClient, which writes strings as UTF-8.

class RawConnection {
  private buffer = Buffer.alloc(0)
  private readonly lines: Buffer[] = []
  private readonly waiting: Array<(line: Buffer) => void> = []
  private constructor(private readonly socket: net.Socket) {
    socket.setNoDelay(true)
    socket.on('error', () => {})
    socket.on('data', (data: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, data])
      let index = this.buffer.indexOf(0x0d)
      while (index >= 0) {
        const line = this.buffer.subarray(0, index)
        this.buffer = this.buffer.subarray(index + 1)
        const waiter = this.waiting.shift()
        if (waiter) waiter(line)
        else this.lines.push(line)
        index = this.buffer.indexOf(0x0d)
      }
    })
  }
  static connect(): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => resolve(new RawConnection(socket)))
      socket.once('error', reject)
    })
  }
  /** Writes the bytes cut at the given offsets, letting the event loop turn between the pieces. */
  async write(bytes: Uint8Array, cuts: readonly number[] = []): Promise<void> {
    let from = 0
    for (const cut of [...new Set(cuts)].filter((c) => c > 0 && c < bytes.length).sort((a, b) => a - b)) {
      await this.writeOne(bytes.subarray(from, cut))
      await new Promise((resolve) => setImmediate(resolve))
      from = cut
    }
    if (from < bytes.length) await this.writeOne(bytes.subarray(from))
  }
  private writeOne(bytes: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => this.socket.write(bytes, (e) => (e ? reject(e) : resolve())))
  }
  /** The next answer (without CR), or an error after the timeout. */
  read(what: string): Promise<Buffer> {
    const line = this.lines.shift()
    if (line !== undefined) return Promise.resolve(line)
    return new Promise((resolve, reject) => {
      const waiter = (l: Buffer) => {
        clearTimeout(timer)
        resolve(l)
      }
      const timer = setTimeout(() => {
        this.waiting.splice(this.waiting.indexOf(waiter), 1)
        reject(new Error(`no answer within ${ANSWER_TIMEOUT_MS} ms to ${what}`))
      }, ANSWER_TIMEOUT_MS)
      this.waiting.push(waiter)
    })
  }
  /** Answers that came without being read (there must be none). */
  unread(): number {
    return this.lines.length
  }
  close(): void {
    this.socket.destroy()
  }
}

// ---------------------------------------------------------------------------------------------------
// The model of a connection: what each message must be answered with.

/** The response command of each request type the session serves now. */
const SERVED: Partial<Record<Sip2Request['type'], string>> = {
  'sc-status': '98',
  checkout: '12',
  checkin: '10',
  'end-patron-session': '36',
}
/** Types served only lately: their response, or 96. */
const COMING: Partial<Record<Sip2Request['type'], string>> = {
  'patron-status': '24',
  'patron-information': '64',
  renew: '30',
  'renew-all': '66',
  'item-information': '18',
  hold: '16',
  'fee-paid': '38',
}

const show = (bytes: Uint8Array) => JSON.stringify(Buffer.from(bytes).toString('latin1').slice(0, 120))
const textOf = (bytes: Uint8Array) => decodeSip2Bytes(bytes).text

/** The messages the server reads from a byte stream: split on CR or LF, empty pieces dropped. */
function piecesOf(stream: Uint8Array): Buffer[] {
  const pieces: Buffer[] = []
  let start = 0
  for (let i = 0; i <= stream.length; i++) {
    if (i < stream.length && stream[i] !== 0x0d && stream[i] !== 0x0a) continue
    if (i < stream.length && i > start) pieces.push(Buffer.from(stream.subarray(start, i)))
    start = i + 1
  }
  return pieces
}

class ConnectionModel {
  loggedIn = false
  /** The text of the last response the session remembered, for 97. */
  last: string | null = null
  answered = 0

  /** Reads the answer(s) of one message from the connection and checks them. */
  async check(connection: RawConnection, piece: Buffer): Promise<void> {
    const what = show(piece)
    if (piece.length > MAX_MESSAGE_BYTES) {
      // Refused by the server before the session: 96, not remembered.
      assert.equal(textOf(await connection.read(what)), '96', `oversized ${what}`)
      this.answered++
      return
    }
    const parsed = parseSip2Request(piece)
    if (!parsed.ok) {
      assert.equal(textOf(await connection.read(what)), '96', `unparsable (${parsed.reason}) ${what}`)
      this.answered++
      this.last = '96'
      return
    }
    const request = parsed.message
    if (request.type === 'block-patron') return
    const line = await connection.read(what)
    this.answered++
    const text = textOf(line)
    if (request.type === 'request-resend') {
      const last = this.last ?? '96'
      // Re-sent in the encoding of the 97; only text Latin-1 cannot hold may differ.
      if ([...last].every((c) => c.charCodeAt(0) < 0x100))
        assert.equal(text, last, `97 after ${JSON.stringify(last)}`)
      return
    }
    if (request.type === 'login') {
      // A NUL in the login reaches the database and fails there: 96 through the server's error path,
      // the login state unchanged and nothing remembered.
      if (text === '96' && request.loginUserId.includes('\u0000')) return
      const ok = request.loginUserId === LOGIN && request.loginPassword === PASSWORD
      assert.match(text, ok ? /^941/ : /^940/, `login ${what}`)
      this.loggedIn = ok
    } else if (!this.loggedIn) {
      assert.match(text, /^940/, `before login ${what}: ${JSON.stringify(text)}`)
    } else {
      const served = SERVED[request.type]
      const coming = COMING[request.type]
      const expected = served ?? coming
      assert.ok(expected, `no expectation for ${request.type}`)
      const fits = text.startsWith(expected) || (coming !== undefined && text === '96')
      assert.ok(fits, `${request.type} ${what} answered ${JSON.stringify(text.slice(0, 120))}`)
    }
    const response = parseSip2Response(line)
    assert.ok(response.ok, `unparsable answer ${show(line)} to ${what}`)
    // AY is one digit in SIP2 (longer ones are echoed as numbers: AY12, or AY1e+23 for 23 digits).
    const sequence = parsed.errorDetection?.sequence
    if (text !== '96' && sequence !== null && sequence !== undefined && sequence <= 9) {
      assert.match(text, new RegExp(`AY${sequence}(AZ[0-9A-F]{4})?$`), `sequence not echoed: ${what}`)
    }
    this.last = text
  }

  /**
   * A login and a 35 for a patron identifier of its own, echoed in the 36: its answers must be the next
   * two lines, so no message got an answer too many.
   */
  async sentinel(connection: RawConnection, n: number): Promise<void> {
    const end = formatSip2Request(
      {
        type: 'end-patron-session',
        transactionDate: null,
        institutionId: 'kobenhavn',
        patronIdentifier: `sentinel-${n}`,
      },
      { errorDetection: { sequence: n % 10, checksum: true } },
    )
    await connection.write(Buffer.from(`${loginLine}\r${end}\r`))
    assert.match(
      textOf(await connection.read('the closing 93')),
      /^941/,
      'an extra answer before the closing 93',
    )
    const text = textOf(await connection.read('the closing 35'))
    assert.ok(text.startsWith('36') && text.includes(`|AAsentinel-${n}|`), `an extra answer: ${text}`)
    this.loggedIn = true
    this.last = text
  }
}

let sentinels = 100_000

/** Sends the stream over a new connection (cut into chunks) and checks every answer; closes it. */
async function converse(stream: Uint8Array, cuts: readonly number[] = []): Promise<ConnectionModel> {
  const connection = await RawConnection.connect()
  const model = new ConnectionModel()
  try {
    const written = connection.write(stream, cuts)
    written.catch(() => {})
    for (const piece of piecesOf(stream)) await model.check(connection, piece)
    await written
    await model.sentinel(connection, sentinels++)
    assert.equal(connection.unread(), 0, 'answers nobody asked for')
    return model
  } finally {
    connection.close()
  }
}

/** After each run: a new connection logs in (941) and gets 98 for 99. */
async function assertStillServing(): Promise<void> {
  const dialogue = new Sip2Dialogue(await Sip2TcpClient.connect(port))
  try {
    const login = await dialogue.send(
      { type: 'login', uidAlgorithm: '0', pwdAlgorithm: '0', loginUserId: LOGIN, loginPassword: PASSWORD },
      'login-response',
    )
    assert.match(login.line, /^941/)
    await dialogue.send(
      { type: 'sc-status', statusCode: '0', maxPrintWidth: 40, protocolVersion: '2.00' },
      'acs-status',
    )
  } finally {
    dialogue.close()
  }
}

async function connectionsDrained(): Promise<void> {
  for (let i = 0; i < 100 && server.connections() > 0; i++) await new Promise((r) => setTimeout(r, 20))
  assert.equal(server.connections(), 0, 'connections left open on the server')
}

// ---------------------------------------------------------------------------------------------------
// Messages

const encoder = new TextEncoder()
const utf8 = (text: string) => encoder.encode(text)
const concat = (parts: readonly Uint8Array[]) => Buffer.concat(parts.map((p) => Buffer.from(p)))

const word = fc.string({
  unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789æøåÆØÅ -./'.split('')),
  maxLength: 12,
})
const patron = fc.oneof(fc.constantFrom('anna', 'bo'), word)
const item = fc.oneof(fc.constantFrom('b1', 'b2', 'b3'), word)
const optionalWord = fc.option(word, { nil: undefined })
const detection: fc.Arbitrary<Sip2ErrorDetection | null> = fc.oneof(
  fc.constant(null),
  fc.record({ sequence: fc.integer({ min: 0, max: 9 }), checksum: fc.boolean() }),
  fc.constant({ sequence: null, checksum: true }),
)

const login: fc.Arbitrary<Sip2Request> = fc
  .record({
    user: fc.oneof(fc.constant(LOGIN), word),
    password: fc.oneof(fc.constant(PASSWORD), word),
    location: optionalWord,
  })
  .map(({ user, password, location }) => ({
    type: 'login',
    uidAlgorithm: '0',
    pwdAlgorithm: '0',
    loginUserId: user,
    loginPassword: password,
    ...(location === undefined ? {} : { locationCode: location }),
  }))
const checkout: fc.Arbitrary<Sip2Request> = fc
  .record({ patron, item, terminalPassword: optionalWord, noBlock: fc.boolean() })
  .map(({ patron, item, terminalPassword, noBlock }) => ({
    type: 'checkout',
    scRenewalPolicy: false,
    noBlock,
    transactionDate: noBlock ? new Date('2026-03-01T12:00:00Z') : null,
    nbDueDate: null,
    institutionId: 'kobenhavn',
    patronIdentifier: patron,
    itemIdentifier: item,
    ...(terminalPassword === undefined ? {} : { terminalPassword }),
  }))
const checkin: fc.Arbitrary<Sip2Request> = fc.record({ item, location: word }).map(({ item, location }) => ({
  type: 'checkin',
  noBlock: false,
  transactionDate: null,
  returnDate: null,
  currentLocation: location,
  institutionId: 'kobenhavn',
  itemIdentifier: item,
}))
const patronInformation: fc.Arbitrary<Sip2Request> = fc
  .record({ patron, list: fc.integer({ min: 0, max: 7 }), range: fc.boolean() })
  .map(({ patron, list, range }) => {
    const summary: Sip2Summary = {}
    const position = SUMMARY_POSITIONS[list]
    if (position) summary[position] = true
    return {
      type: 'patron-information',
      language: '009',
      transactionDate: new Date('2026-03-02T09:00:00Z'),
      summary,
      institutionId: 'kobenhavn',
      patronIdentifier: patron,
      ...(range ? { startItem: 1, endItem: 5 } : {}),
    }
  })
const valid = fc.oneof(login, checkout, checkin, patronInformation)
const validText = fc
  .tuple(valid, detection)
  .map(([request, errorDetection]) => formatSip2Request(request, { errorDetection }))

const loginLine = formatSip2Request(
  { type: 'login', uidAlgorithm: '0', pwdAlgorithm: '0', loginUserId: LOGIN, loginPassword: PASSWORD },
  { errorDetection: { sequence: 0, checksum: true } },
)

/** A valid message cut short (possibly to nothing, possibly not at all). */
const truncated = fc
  .tuple(validText, fc.nat())
  .map(([text, n]) => utf8(text).subarray(0, n % (utf8(text).length + 1)))

/** A valid message with a checksum, one of whose 4 hex digits is replaced by another. */
const badChecksumDigit = fc
  .tuple(valid, fc.option(fc.integer({ min: 0, max: 9 }), { nil: null }), fc.nat(3), fc.nat(14))
  .map(([request, sequence, position, shift]) => {
    const text = formatSip2Request(request, { errorDetection: { sequence, checksum: true } })
    const at = text.length - 4 + position
    const digit = Number.parseInt(text[at] ?? '0', 16)
    const other = ((digit + 1 + shift) % 16).toString(16).toUpperCase()
    return utf8(`${text.slice(0, at)}${other}${text.slice(at + 1)}`)
  })

/**
 * A valid message with a checksum and one bit of one byte flipped, anywhere before its `AZ`: the checksum
 * no longer matches. (A flip that makes a CR or LF is left out: that splits the message.)
 */
const flippedByte = fc
  .tuple(
    valid,
    fc.option(fc.integer({ min: 0, max: 9 }), { nil: null }),
    fc.nat(),
    fc.integer({ min: 0, max: 7 }),
  )
  .map(([request, sequence, index, bit]) => {
    const bytes = Buffer.from(formatSip2Request(request, { errorDetection: { sequence, checksum: true } }))
    const at = index % (bytes.length - 6)
    bytes[at] = (bytes[at] ?? 0) ^ (1 << bit)
    return bytes
  })
  .filter((bytes) => !bytes.includes(0x0d) && !bytes.includes(0x0a))

/** A valid message with its variable fields in another order, stray `|`, some codes in lowercase. */
const reordered = fc
  .record({
    request: valid,
    keys: fc.array(fc.nat(), { minLength: 16, maxLength: 16 }),
    pipes: fc.array(fc.nat(2), { minLength: 17, maxLength: 17 }),
    lower: fc.array(fc.boolean(), { minLength: 16, maxLength: 16 }),
    errorDetection: detection,
  })
  .map(({ request, keys, pipes, lower, errorDetection }) => {
    const original = formatSip2Request(request)
    const spec = REQUEST_SPECS.find((s) => s.command === original.slice(0, 2))
    const head = original.slice(0, 2 + (spec ? fixedPartLength(spec) : 0))
    const fields = original
      .slice(head.length)
      .split('|')
      .filter((f) => f !== '')
      .map((field, i) => ({ field, key: keys[i] ?? 0, lower: lower[i] ?? false }))
      .sort((x, y) => x.key - y.key)
    let body = `${head}${'|'.repeat(pipes[0] ?? 0)}`
    fields.forEach(({ field, lower }, i) => {
      const code = lower ? field.slice(0, 2).toLowerCase() : field.slice(0, 2)
      body += `${code}${field.slice(2)}|${'|'.repeat(pipes[i + 1] ?? 0)}`
    })
    const sequence = errorDetection?.sequence ?? null
    const message = !errorDetection
      ? body
      : sequence !== null
        ? appendErrorDetection(body, sequence, errorDetection.checksum)
        : appendChecksumOnly(body)
    return { original, message }
  })

const garbage = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 80 }),
  fc.string({ unit: 'binary', maxLength: 40 }).map(utf8),
  // A known command or two random characters, then printable text with `|`: reaches the handlers.
  fc
    .tuple(
      fc.oneof(
        fc.constantFrom(...REQUEST_SPECS.map((s) => s.command)),
        fc.string({ minLength: 2, maxLength: 2 }),
      ),
      fc.string({ unit: fc.constantFrom(...' YN0123456789|ABAAAOAPCNCO'.split('')), maxLength: 60 }),
    )
    .map(([command, body]) => utf8(`${command}${body}`)),
)

const specials = fc.constantFrom(
  utf8('97'),
  utf8('01N20260302    100000ALkort beholdt|AOkobenhavn|AAanna|'),
  utf8('9900302.00'),
  utf8(loginLine),
  utf8('\u0000'),
  utf8('x'),
  new Uint8Array(0),
)
/** Lines around the server's limit (a run of 9s: a 99 when it is let through). */
const oversized = fc
  .oneof(
    fc.constantFrom(MAX_MESSAGE_BYTES, MAX_MESSAGE_BYTES + 1),
    fc.integer({ min: MAX_MESSAGE_BYTES - 2, max: MAX_MESSAGE_BYTES + 300 }),
  )
  .map((n) => Buffer.alloc(n, 0x39))

/** Any line, well-formed or not. */
const anyLine = fc.oneof(
  { weight: 4, arbitrary: garbage },
  { weight: 3, arbitrary: truncated },
  { weight: 2, arbitrary: badChecksumDigit },
  { weight: 2, arbitrary: flippedByte },
  { weight: 2, arbitrary: reordered.map((r) => utf8(r.message)) },
  { weight: 2, arbitrary: specials },
  { weight: 1, arbitrary: oversized },
)
const terminator = fc.constantFrom('\r', '\r', '\r', '\r\n', '\n').map(utf8)

/**
 * Lines, each with its terminator, optionally after a valid login; and where to cut the stream: a few
 * places anywhere, and one inside each line (inside an oversized one past the limit, so that the server
 * has to drop the rest of it when it arrives).
 */
function streamOf(lines: fc.Arbitrary<Uint8Array>, maxLines: number) {
  return fc
    .record({
      loginFirst: fc.boolean(),
      lines: fc.array(fc.tuple(lines, terminator, fc.nat()), { minLength: 1, maxLength: maxLines }),
      cuts: fc.array(fc.nat(), { maxLength: 6 }),
    })
    .map(({ loginFirst, lines, cuts }) => {
      const parts: Uint8Array[] = loginFirst ? [utf8(`${loginLine}\r`)] : []
      const inside: number[] = []
      let at = parts[0]?.length ?? 0
      for (const [line, end, r] of lines) {
        const over = line.length - MAX_MESSAGE_BYTES
        inside.push(at + (over > 0 ? MAX_MESSAGE_BYTES + 1 + (r % over) : r % (line.length + 1)))
        parts.push(line, end)
        at += line.length + end.length
      }
      const stream = concat(parts)
      return { stream, cuts: [...inside, ...cuts.map((c) => c % (stream.length + 1))] }
    })
}

// ---------------------------------------------------------------------------------------------------

describe('SIP2 parser under fuzz', () => {
  it('never throws, whatever the string or bytes, and fails only for the four reasons', () => {
    const reasons = new Set(['empty', 'unknown-command', 'short-fixed-part', 'bad-checksum'])
    const types = new Set(REQUEST_SPECS.map((s) => s.type))
    const check = (input: string | Uint8Array) => {
      const request = parseSip2Request(input)
      if (request.ok) assert.ok(types.has(request.message.type))
      else assert.ok(reasons.has(request.reason), request.reason)
      parseSip2Response(input)
    }
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 200 }),
          fc.string({ unit: 'grapheme', maxLength: 100 }),
          fc
            .tuple(fc.constantFrom(...REQUEST_SPECS.map((s) => s.command)), fc.string({ maxLength: 120 }))
            .map(([command, rest]) => `${command}${rest}`),
        ),
        (text) => check(text),
      ),
      { numRuns: 2000 },
    )
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => check(bytes)),
      { numRuns: 2000 },
    )
    fc.assert(
      fc.property(anyLine, (bytes) => check(bytes)),
      { numRuns: 1000 },
    )
  })

  it('reads shuffled fields, stray `|` and lowercase codes as the message itself', () => {
    fc.assert(
      fc.property(reordered, ({ original, message }) => {
        const expected = parseSip2Request(original)
        const actual = parseSip2Request(message)
        assert.ok(expected.ok && actual.ok, message)
        assert.deepEqual(actual.message, expected.message, message)
        assert.deepEqual(actual.extraFields, {})
      }),
      { numRuns: 500 },
    )
  })

  it('rejects a replaced checksum digit and any flipped bit before the AZ', () => {
    fc.assert(
      fc.property(fc.oneof(badChecksumDigit, flippedByte), (bytes) => {
        const parsed = parseSip2Request(bytes)
        assert.equal(parsed.ok, false, show(bytes))
      }),
      { numRuns: 1000 },
    )
  })
})

describe('SIP2 server under fuzz', { timeout: 180_000 }, () => {
  it('answers random bytes once each, 96 when they do not parse', async () => {
    await fc.assert(
      fc.asyncProperty(
        streamOf(fc.oneof({ weight: 8, arbitrary: garbage }, { weight: 1, arbitrary: oversized }), 12),
        async ({ stream, cuts }) => {
          await converse(stream, cuts)
          await assertStillServing()
        },
      ),
      { numRuns: RUNS },
    )
  })

  it('answers truncated login, checkout, checkin and patron information messages', async () => {
    await fc.assert(
      fc.asyncProperty(streamOf(truncated, 10), async ({ stream, cuts }) => {
        await converse(stream, cuts)
        await assertStillServing()
      }),
      { numRuns: RUNS },
    )
  })

  it('answers exactly 96 to a corrupted checksum, and goes on serving the connection', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(badChecksumDigit, flippedByte), { minLength: 1, maxLength: 8 }),
        async (lines) => {
          const connection = await RawConnection.connect()
          try {
            await connection.write(concat([utf8(`${loginLine}\r`), ...lines.flatMap((l) => [l, utf8('\r')])]))
            assert.match(textOf(await connection.read('login')), /^941/)
            for (const line of lines)
              assert.equal(textOf(await connection.read(show(line))), '96', show(line))
            await new ConnectionModel().sentinel(connection, sentinels++)
          } finally {
            connection.close()
          }
          await assertStillServing()
        },
      ),
      { numRuns: RUNS },
    )
  })

  it('answers fields in any order and stray `|` as the message in order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(reordered, { minLength: 1, maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 4 }),
        async (messages, cuts) => {
          const stream = concat([
            utf8(`${loginLine}\r`),
            ...messages.flatMap(({ message }) => [utf8(message), utf8('\r')]),
          ])
          const model = await converse(
            stream,
            cuts.map((c) => c % stream.length),
          )
          assert.equal(model.answered, messages.length + 1)
          await assertStillServing()
        },
      ),
      { numRuns: RUNS },
    )
  })

  it('serves several connections at once through all of it, and one that leaves mid-message', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(streamOf(anyLine, 8), { minLength: 2, maxLength: 4 }),
        truncated,
        async (streams, partial) => {
          const rude = await RawConnection.connect()
          await rude.write(concat([utf8(`${loginLine}\r`), partial]))
          const conversations = streams.map(({ stream, cuts }) => converse(stream, cuts))
          rude.close()
          await Promise.all(conversations)
          await connectionsDrained()
          await assertStillServing()
        },
      ),
      { numRuns: Math.ceil(RUNS / 2) },
    )
  })

  it('treats a NUL byte in an identifier as an unknown login or patron, not as a server error', async () => {
    const before = serverErrors.length
    const connection = await RawConnection.connect()
    try {
      const checkoutWithNul = formatSip2Request({
        type: 'checkout',
        scRenewalPolicy: false,
        noBlock: false,
        transactionDate: null,
        nbDueDate: null,
        institutionId: 'kobenhavn',
        patronIdentifier: 'an\u0000na',
        itemIdentifier: 'b3',
      })
      await connection.write(
        utf8(
          `9300CNauto\u0000mat1|COx|\r${loginLine}\r${checkoutWithNul}\r` +
            '01N20260302    100000ALkort beholdt|AOkobenhavn|AAan\u0000na|\r',
        ),
      )
      assert.match(textOf(await connection.read('93 with a NUL')), /^940/)
      assert.match(textOf(await connection.read('93')), /^941/)
      assert.match(textOf(await connection.read('11 with a NUL')), /^120/)
      await new ConnectionModel().sentinel(connection, sentinels++) // 01 has no answer
      assert.equal(serverErrors.length, before, 'onError called for a NUL byte')
    } finally {
      connection.close()
    }
  })

  it('reports to onError only what is not the machine’s fault, or a NUL byte the database refused', () => {
    // Printed for the record: which server errors the fuzzing provoked.
    const texts = [...new Set(serverErrors.map((e) => (e instanceof Error ? e.message : String(e))))]
    for (const text of texts) assert.match(text, /0x00/, `unexpected server error: ${text}`)
    if (texts.length > 0) console.log(`server errors provoked by the fuzzing: ${texts.join('; ')}`)
  })
})
