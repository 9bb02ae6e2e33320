import type { Kysely } from 'kysely'
import { RefusalError } from '../circulation/refusal.ts'
import type { ChargeRow, Database } from '../db/schema.ts'
import { findPatronByCardOrCpr } from '../patrons/patron-repository.ts'
import type { PolicyCatalog } from '../policy/policy-catalog.ts'
import type { Clock } from '../shared/clock.ts'
import type { Ore } from '../shared/money.ts'
import { evaluateFeeBlocks } from './fee-block-service.ts'
import { creditOf, type PaymentResult, recordPayment } from './payment-service.ts'

type Trx = Kysely<Database>

export interface PayInput {
  municipality: string
  patron: string
  amount: Ore
  at?: Date | undefined
}

export interface Account {
  balance: Ore
  credit: Ore
  charges: ChargeRow[]
}

export function createFeeService(deps: { policies: PolicyCatalog; clock: Clock }) {
  async function requirePatronId(trx: Trx, municipality: string, identifier: string): Promise<number> {
    const patron = await findPatronByCardOrCpr(trx, municipality, identifier)
    if (!patron) throw new RefusalError('unknown-patron')
    return patron.id
  }

  /** A payment from the patron, applied to the oldest open charges first; blocks lift at once. */
  async function pay(trx: Trx, input: PayInput): Promise<PaymentResult> {
    const at = input.at ?? deps.clock.now()
    const patronId = await requirePatronId(trx, input.municipality, input.patron)
    const result = await recordPayment(trx, input.municipality, patronId, input.amount, at)
    await evaluateFeeBlocks(trx, deps.policies, input.municipality, [patronId], at, false)
    return result
  }

  async function account(trx: Trx, municipality: string, patron: string): Promise<Account> {
    const patronId = await requirePatronId(trx, municipality, patron)
    const charges = await trx
      .selectFrom('charges')
      .selectAll()
      .where('patronId', '=', patronId)
      .orderBy('id')
      .execute()
    const balance = charges.filter((c) => c.status === 'open').reduce((sum, c) => sum + c.amount - c.paid, 0)
    return { balance, credit: await creditOf(trx, patronId), charges }
  }

  return { pay, account }
}

export type FeeService = ReturnType<typeof createFeeService>
