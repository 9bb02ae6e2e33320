import type { Db } from '../db/database.ts'
import { ValidationError } from '../shared/errors.ts'
import type { Ore } from '../shared/money.ts'
import { CamtFormatError, parseCamt054 } from './camt054.ts'
import { parsePaymentReference } from './fik.ts'
import type { ReceivablesService } from './receivables-service.ts'

export interface BankImportResult {
  messageId: string
  payments: number
  amount: Ore
  applied: number
  unmatched: number
  duplicates: number
}

export interface BankImportOptions {
  batchSize?: number
  onProgress?: (done: number, total: number) => void
}

/**
 * Imports the bank's camt.054 notification: each incoming payment is matched on its FIK payment ID and
 * applied to that claim; an unknown or missing payment ID is kept for manual matching. A payment seen before
 * (the same file or line imported again) is skipped, so an import can be repeated after a crash.
 */
export async function importBankFile(
  services: { db: Db; receivables: ReceivablesService },
  municipality: string,
  xml: string,
  at: Date,
  options: BankImportOptions = {},
): Promise<BankImportResult> {
  let notification: ReturnType<typeof parseCamt054>
  try {
    notification = parseCamt054(xml)
  } catch (error) {
    if (error instanceof CamtFormatError) throw new ValidationError(`bank file ${error.path}`, error.detail)
    throw error
  }
  const result: BankImportResult = {
    messageId: notification.messageId,
    payments: notification.payments.length,
    amount: notification.payments.reduce((sum, p) => sum + p.amount, 0),
    applied: 0,
    unmatched: 0,
    duplicates: 0,
  }
  const batchSize = options.batchSize ?? BANK_FILE_BATCH_SIZE
  const all = placingOrder(notification.payments)
  for (let i = 0; i < all.length; i += batchSize) {
    const batch = all.slice(i, i + batchSize)
    const counted = await services.db.transaction().execute((trx) =>
      services.receivables.applyBankPayments(
        trx,
        municipality,
        batch.map((p) => ({
          paymentReference: p.paymentReference,
          amount: p.amount,
          externalRef: p.reference,
          payerName: p.debtorName,
        })),
        at,
      ),
    )
    result.applied += counted.applied
    result.unmatched += counted.unmatched
    result.duplicates += counted.duplicates
    options.onProgress?.(Math.min(i + batchSize, notification.payments.length), notification.payments.length)
  }
  return result
}

/**
 * Payments per transaction. Each batch takes one statement per table; the library's fee-block evaluation
 * then sums the open charges of the batch's patrons, and PostgreSQL reads those by patron up to about
 * 3,000 patrons but scans every open charge (1-1.5 s at full scale) for 5,000.
 */
export const BANK_FILE_BATCH_SIZE = 2000

/**
 * The order payments are placed in: by payment ID, that is by claim number, so that a batch works on claims
 * (and their lines and charges) that lie near each other in the tables rather than all over them; at 100,000
 * payments that is about half the time, the pages read and written being what costs. Payments for the same
 * claim keep their order in the file; those without a payment ID come last, in file order.
 */
export function placingOrder<T extends { paymentReference: string | null }>(payments: readonly T[]): T[] {
  const keyed = payments.map((payment, index) => ({
    payment,
    index,
    key: payment.paymentReference === null ? null : parsePaymentReference(payment.paymentReference),
  }))
  keyed.sort((a, b) => {
    if (a.key === b.key) return a.index - b.index
    if (a.key === null) return 1
    if (b.key === null) return -1
    return a.key < b.key ? -1 : 1
  })
  return keyed.map((k) => k.payment)
}
