// The outbox folder the print service (letters) and the Digital Post sender (MeMo) collect from, beside the
// bills that src/receivables/bill-delivery.ts writes there:
//
//   <outbox>/<municipality>/notices/letters/notice-<id>-<kind>.pdf
//   <outbox>/<municipality>/notices/digital-post/notice-<id>-<kind>.xml
//
// A name comes from the notice alone, so sending a notice again overwrites its file rather than adding a
// second letter; a file is written whole (temporary name, flushed, renamed) or not at all.

import { randomUUID } from 'node:crypto'
import { mkdir, open, rename, rm } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { Clock } from '../shared/clock.ts'
import { type LocalDate, localDateOf } from '../shared/time.ts'
import type { OutgoingMessage } from './notice-message.ts'

export interface WrittenChannelConfig {
  /** LAAN_OUTBOX_DIR */
  outboxDir: string
  /** The municipality's code, e.g. "kobenhavn": the folder under the outbox. */
  municipality: string
  /** At the top of the letter: the library's name and contact lines. */
  sender: { name: string; lines?: string[] }
  /** Gives the letter's date when the message has none (default: the system clock). */
  clock?: Clock
}

const SEGMENT = /^[a-z0-9][a-z0-9-]*$/

/** The file's path under the outbox, or the reason there can be none. */
export function noticeDocumentPath(
  municipality: string,
  folder: 'letters' | 'digital-post',
  message: Pick<OutgoingMessage, 'noticeId' | 'kind'>,
  extension: 'pdf' | 'xml',
): string | { error: string } {
  if (!SEGMENT.test(municipality)) return { error: `not a municipality code: ${municipality}` }
  if (!Number.isSafeInteger(message.noticeId) || message.noticeId <= 0) {
    return { error: `not a notice id: ${message.noticeId}` }
  }
  if (!SEGMENT.test(message.kind)) return { error: `not a notice kind: ${message.kind}` }
  return `${municipality}/notices/${folder}/notice-${message.noticeId}-${message.kind}.${extension}`
}

/** The message's date, or today in Copenhagen by the clock. */
export function letterDate(message: OutgoingMessage, clock: Clock | undefined): LocalDate {
  return message.date ?? localDateOf(clock?.now() ?? new Date())
}

/** Written to a temporary name, flushed and renamed, so the outbox never holds half a file. */
export async function writeAtomically(path: string, data: Buffer | string): Promise<void> {
  await mkdir(dirname(path), { recursive: true })
  const temp = `${path}.${randomUUID()}.tmp`
  try {
    const file = await open(temp, 'w')
    try {
      await file.writeFile(data)
      await file.sync()
    } finally {
      await file.close()
    }
    await rename(temp, path)
  } catch (error) {
    await rm(temp, { force: true })
    throw error
  }
}
