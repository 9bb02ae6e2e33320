// A payment recorded by staff (Borgerservice in person, a payment placed on a patron's account through the
// staff API, a held bank payment matched by hand) goes to the audit log with the receipt it made, in the
// payment's transaction.

import type { Kysely } from 'kysely'
import { type AuditActor, recordAudit } from '../audit/audit-log.ts'
import type { Database } from '../db/schema.ts'

export async function auditReceipt(
  trx: Kysely<Database>,
  actor: AuditActor,
  action: 'payment-recorded' | 'payment-matched',
  receiptId: number,
): Promise<void> {
  const receipt = await trx
    .selectFrom('receipts')
    .leftJoin('debtors', 'debtors.id', 'receipts.debtorId')
    .select([
      'receipts.municipality',
      'receipts.receivedAt',
      'receipts.amount',
      'receipts.channel',
      'receipts.claimId',
      'receipts.status',
      'debtors.patronId',
    ])
    .where('receipts.id', '=', receiptId)
    .executeTakeFirstOrThrow()
  await recordAudit(trx, {
    municipality: receipt.municipality,
    at: receipt.receivedAt,
    actor,
    action,
    patronId: receipt.patronId,
    claimId: receipt.claimId,
    details: { receipt: receiptId, amount: receipt.amount, channel: receipt.channel, status: receipt.status },
  })
}
