import { join } from 'node:path'
import { ADDRESS_PLACEHOLDER } from '../receivables/bill-delivery.ts'
import {
  type ChannelAdapter,
  describeError,
  type OutgoingMessage,
  permanentFailure,
  retryLater,
  type SendOutcome,
  sent,
} from './notice-message.ts'
import {
  letterDate,
  noticeDocumentPath,
  type WrittenChannelConfig,
  writeAtomically,
} from './notice-outbox.ts'
import { renderNoticePdf } from './notice-pdf.ts'

/**
 * Writes each notice as a PDF letter into the outbox for the print service
 * (`<outbox>/<municipality>/notices/letters/notice-<id>-<kind>.pdf`). The provider id is that path, relative
 * to the outbox. A recipient without address lines gets the same placeholder as the bills
 * ("Adresse fra CPR-registret"), for the print service to fill from the CPR register.
 */
export function createLetterChannel(config: WrittenChannelConfig): ChannelAdapter {
  async function send(message: OutgoingMessage): Promise<SendOutcome> {
    const path = noticeDocumentPath(config.municipality, 'letters', message, 'pdf')
    if (typeof path !== 'string') return permanentFailure(path.error)
    if ((message.attachments ?? []).length > 0) {
      return permanentFailure(
        'a letter cannot carry attachments; print them into the text or send them otherwise',
      )
    }
    const address = (message.recipient.address ?? []).map((l) => l.trim()).filter((l) => l !== '')
    let pdf: Buffer
    try {
      pdf = await renderNoticePdf({
        sender: config.sender,
        recipient: {
          name: message.recipient.name,
          address: address.length > 0 ? address : [ADDRESS_PLACEHOLDER],
        },
        date: letterDate(message, config.clock),
        language: message.language,
        subject: message.subject,
        text: message.text,
      })
    } catch (error) {
      // Bad data for this one notice: it will not get better by trying again.
      return permanentFailure(`the letter could not be made: ${describeError(error)}`)
    }
    try {
      await writeAtomically(join(config.outboxDir, path), pdf)
    } catch (error) {
      return retryLater(`the letter could not be written to the outbox: ${describeError(error)}`)
    }
    return sent(path)
  }

  return { channel: 'letter', send }
}
