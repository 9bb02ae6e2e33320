import type { Kysely } from 'kysely'
import type { ChargeRow, Database } from '../db/schema.ts'
import type { Ore } from '../shared/money.ts'
import type { LocalDate } from '../shared/time.ts'

type Trx = Kysely<Database>

// The narrow interface between the library and the municipality's receivables. Claims and their updates go
// one way (ChargeHandOver), payments and adjustments come back (LibraryLedger). Both run inside the caller's
// transaction; a municipality with its own debtor system would put an outbox behind them instead.

/** Library → receivables. */
export interface ChargeHandOver {
  /** New charges: they become claims as the municipality's policy says (at once, later, or held). */
  chargesCreated(trx: Trx, municipality: string, charges: readonly ChargeRow[], at: Date): Promise<void>
  /** Charges cancelled by the library (a lost item came back unpaid): their claim lines go too. */
  chargesCancelled(trx: Trx, chargeIds: readonly number[], at: Date, reason: string): Promise<void>
  /** Paid charges refunded by the library (a found item): what was paid goes back to the citizen. */
  chargesRefunded(trx: Trx, chargeIds: readonly number[], at: Date, reason: string): Promise<void>
}

export interface ChargePayment {
  chargeId: number
  amount: Ore
}

export interface Adjustment {
  municipality: string
  /** The patron whose library account the adjustment belongs to. */
  patronId: number
  kind: 'dunning-fee' | 'interest'
  amount: Ore
  date: LocalDate
  explanation: string
  details: Record<string, unknown>
}

/** Receivables → library. */
export interface LibraryLedger {
  /** Payments applied to claim lines that came from library charges: the library marks them paid at once. */
  paymentsApplied(trx: Trx, municipality: string, payments: readonly ChargePayment[], at: Date): Promise<void>
  /**
   * Fees the receivables add to library claims (dunning fees, interest): the library records each as a charge
   * and answers with the charge ids, in the order given.
   */
  adjustmentsAdded(trx: Trx, adjustments: readonly Adjustment[], at: Date): Promise<number[]>
  /**
   * Library claims written down or cancelled in the receivables (an appeal upheld): each charge is reduced
   * `by` øre of its open amount, and what was paid on it and is given back (`refunded`) is recorded.
   */
  chargesWrittenDown(
    trx: Trx,
    municipality: string,
    changes: readonly { chargeId: number; by: Ore; refunded: Ore }[],
    at: Date,
    reason: string,
  ): Promise<void>
}
