// The SIP2 TCP server: one Sip2Session per connection, messages split on CR, CRLF or LF and answered in
// order, each response framed with a CR. A message longer than the limit gets 96 and is discarded up to
// its terminator; an idle connection is closed; a bad message or a closed socket never ends the server.

import net from 'node:net'
import type { Services } from '../services.ts'
import { sip2Frame } from './sip2-messages.ts'
import { Sip2Session, type Sip2SessionOptions } from './sip2-session.ts'

export interface Sip2ServerOptions {
  /** Longest message accepted, in bytes without terminator (default 8 KB). */
  maxMessageBytes?: number
  /** A connection without a message this long is closed (default 10 minutes). */
  idleTimeoutMs?: number
  /** Connections beyond this many are closed at once (default 1,000; a library has tens of machines). */
  maxConnections?: number
  /** Errors that are not the machine's fault (no message values). */
  onError?: (error: unknown) => void
  /** Each message handled (machine, command, answer, time; never values). */
  onMessage?: Sip2SessionOptions['onMessage']
}

export interface Sip2Server {
  listen(port: number, host?: string): Promise<{ port: number; host: string }>
  close(): Promise<void>
  /** Open connections. */
  connections(): number
}

const CR = 0x0d
const LF = 0x0a

export function createSip2Server(services: Services, options: Sip2ServerOptions = {}): Sip2Server {
  const maxMessageBytes = options.maxMessageBytes ?? 8 * 1024
  const idleTimeoutMs = options.idleTimeoutMs ?? 10 * 60 * 1000
  const onError = options.onError ?? (() => {})
  const sockets = new Set<net.Socket>()

  const server = net.createServer((socket) => {
    sockets.add(socket)
    const session = new Sip2Session(services, {
      onError,
      monitor: services.machines,
      ...(options.onMessage ? { onMessage: options.onMessage } : {}),
    })
    let pending: Buffer[] = []
    let pendingBytes = 0
    let discarding = false
    let queue: Promise<void> = Promise.resolve()

    socket.setNoDelay(true)
    socket.setTimeout(idleTimeoutMs, () => socket.destroy())
    socket.on('error', () => {})
    socket.on('close', () => {
      sockets.delete(socket)
      if (session.account) services.machines.disconnected(session.account.login)
    })

    const send = (text: string | null) => {
      if (text === null || socket.destroyed || !socket.writable) return
      socket.write(sip2Frame(text, session.encoding))
    }
    const enqueue = (message: Buffer | null) => {
      queue = queue
        .then(async () => {
          if (socket.destroyed) return
          send(message === null ? '96' : await session.handle(message))
        })
        .catch((error: unknown) => {
          onError(error)
          send('96')
        })
    }

    socket.on('data', (chunk: Buffer) => {
      let start = 0
      for (let i = 0; i < chunk.length; i++) {
        const byte = chunk[i]
        if (byte !== CR && byte !== LF) continue
        const piece = chunk.subarray(start, i)
        start = i + 1
        if (discarding) {
          discarding = false
          pending = []
          pendingBytes = 0
          continue
        }
        if (pendingBytes + piece.length > maxMessageBytes) {
          pending = []
          pendingBytes = 0
          enqueue(null)
          continue
        }
        const message = pendingBytes === 0 ? Buffer.from(piece) : Buffer.concat([...pending, piece])
        pending = []
        pendingBytes = 0
        if (message.length > 0) enqueue(message)
      }
      if (discarding || start >= chunk.length) return
      const rest = chunk.subarray(start)
      if (pendingBytes + rest.length > maxMessageBytes) {
        pending = []
        pendingBytes = 0
        discarding = true
        enqueue(null)
        return
      }
      pending.push(Buffer.from(rest))
      pendingBytes += rest.length
    })
  })
  server.maxConnections = options.maxConnections ?? 1000
  server.on('error', onError)

  return {
    listen: (port, host = '127.0.0.1') =>
      new Promise((resolve, reject) => {
        const fail = (error: Error) => reject(error)
        server.once('error', fail)
        server.listen(port, host, () => {
          server.off('error', fail)
          const address = server.address()
          resolve({ port: typeof address === 'object' && address ? address.port : port, host })
        })
      }),
    close: () =>
      new Promise((resolve, reject) => {
        for (const socket of sockets) socket.destroy()
        server.close((error) => (error ? reject(error) : resolve()))
      }),
    connections: () => sockets.size,
  }
}
