import type { Db } from '../db/database.ts'
import { ValidationError } from '../shared/errors.ts'
import type { Ore } from '../shared/money.ts'
import { CamtFormatError, parseCamt054 } from './camt054.ts'
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
  const batchSize = options.batchSize ?? 1000
  for (let i = 0; i < notification.payments.length; i += batchSize) {
    const batch = notification.payments.slice(i, i + batchSize)
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
