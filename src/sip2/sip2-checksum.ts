// SIP2 error detection: a message may end in `AY<sequence digit>AZ<4 hex digits>`. The checksum is the
// sum of the message's bytes from its first byte through the `AZ`, negated (two's complement) and kept to
// its low 16 bits, written as 4 uppercase hex digits: `941AY0AZ` sums to 0x0203, so its checksum is FDFD.
//
// Bytes and encodings. The checksum is over the bytes as sent, so a message received as bytes is checked
// over exactly those bytes (`verifySip2Checksum(buffer)`), before any decoding. Danish machines mostly send
// æ, ø and å as UTF-8; older ones send Latin-1. `decodeSip2Bytes` reads valid UTF-8 as UTF-8 and anything
// else as Latin-1 (every byte is then one character), and says which it chose so that the answer can be
// sent in the same encoding. A message given as a string is checked over its UTF-8 bytes, and, if that
// fails, over its characters taken as Latin-1 bytes: some clients sum characters, not bytes.

/** How a SIP2 message is turned into bytes on the wire. */
export type Sip2Encoding = 'utf8' | 'latin1'

const utf8Decoder = new TextDecoder('utf-8', { fatal: true })

/** The bytes of a message in an encoding; a character Latin-1 cannot hold is sent as `?`. */
export function encodeSip2(message: string, encoding: Sip2Encoding = 'utf8'): Uint8Array {
  if (encoding === 'utf8') return Buffer.from(message, 'utf8')
  const bytes = new Uint8Array(message.length)
  for (let i = 0; i < message.length; i++) {
    const code = message.charCodeAt(i)
    bytes[i] = code < 256 ? code : 0x3f
  }
  return bytes
}

/** The text of received bytes: UTF-8 when the bytes are valid UTF-8, otherwise Latin-1. */
export function decodeSip2Bytes(bytes: Uint8Array): { text: string; encoding: Sip2Encoding } {
  let ascii = true
  for (const byte of bytes) {
    if (byte >= 0x80) {
      ascii = false
      break
    }
  }
  if (!ascii) {
    try {
      return { text: utf8Decoder.decode(bytes), encoding: 'utf8' }
    } catch {
      return { text: Buffer.from(bytes).toString('latin1'), encoding: 'latin1' }
    }
  }
  return { text: Buffer.from(bytes).toString('latin1'), encoding: 'utf8' }
}

/** The checksum (4 uppercase hex digits) of the bytes given, which must run through the `AZ`. */
export function sip2ChecksumOfBytes(bytes: Uint8Array): string {
  let sum = 0
  for (const byte of bytes) sum = (sum + byte) & 0xffff
  return (-sum & 0xffff).toString(16).toUpperCase().padStart(4, '0')
}

/** The checksum of a message text through its `AZ`, over its bytes in the given encoding. */
export function sip2Checksum(messageThroughAz: string, encoding: Sip2Encoding = 'utf8'): string {
  return sip2ChecksumOfBytes(encodeSip2(messageThroughAz, encoding))
}

const TRAILING_CHECKSUM = /AZ[0-9A-Fa-f]{4}$/
/** `AZ` and four characters at the end that are not all hex: a checksum damaged in transit. */
const DAMAGED_CHECKSUM = /AZ.{4}$/s

/**
 * Whether a message's checksum is right. The message is given without its CR/LF terminator. A message
 * without a trailing `AZ` has no checksum and is accepted unchecked; `AZ` and four characters that are not
 * hex digits is a damaged checksum.
 */
export function verifySip2Checksum(message: string | Uint8Array): boolean {
  if (typeof message === 'string') {
    if (!TRAILING_CHECKSUM.test(message)) return !DAMAGED_CHECKSUM.test(message)
    const expected = message.slice(-4).toUpperCase()
    const through = message.slice(0, -4)
    if (sip2Checksum(through, 'utf8') === expected) return true
    // Some clients sum characters rather than bytes.
    return sip2Checksum(through, 'latin1') === expected
  }
  if (message.length < 6) return true
  const tail = Buffer.from(message.subarray(message.length - 6)).toString('latin1')
  if (!TRAILING_CHECKSUM.test(tail)) return !DAMAGED_CHECKSUM.test(tail)
  return sip2ChecksumOfBytes(message.subarray(0, message.length - 4)) === tail.slice(2).toUpperCase()
}

/**
 * A response with error detection added: `AY<sequence>` (the request's number, echoed) always, and `AZ<checksum>` when `checksum` is
 * true, computed over the bytes in `encoding` (the one the response will be sent in).
 */
export function appendErrorDetection(
  message: string,
  sequence: number,
  checksum = true,
  encoding: Sip2Encoding = 'utf8',
): string {
  const withSequence = `${message}AY${Math.abs(Math.trunc(sequence)) % 10}`
  if (!checksum) return withSequence
  const through = `${withSequence}AZ`
  return `${through}${sip2Checksum(through, encoding)}`
}

/** A message with only a checksum (no sequence number): `96AZFEF6`. */
export function appendChecksumOnly(message: string, encoding: Sip2Encoding = 'utf8'): string {
  const through = `${message}AZ`
  return `${through}${sip2Checksum(through, encoding)}`
}
