import type { Kysely } from 'kysely'
import { RefusalError } from '../circulation/refusal.ts'
import type { ChargeRow, Database } from '../db/schema.ts'
import type { CprVault } from '../patrons/cpr-vault.ts'
import { findPatronByCardOrCpr } from '../patrons/patron-repository.ts'
import type { PolicyCatalog } from '../policy/policy-catalog.ts'
import type { PaymentChannel } from '../receivables/receivables-policy.ts'
import type { PaymentOutcome, ReceivablesService } from '../receivables/receivables-service.ts'
import type { Clock } from '../shared/clock.ts'
import type { Ore } from '../shared/money.ts'
import { localDateOf } from '../shared/time.ts'
import { evaluateFeeBlocks } from './fee-block-service.ts'

type Trx = Kysely<Database>

export interface PayInput {
  municipality: string
  patron: string
  amount: Ore
  /** How the citizen paid; by default online in Mit Betalingsoverblik with a card. */
  channel?: PaymentChannel | undefined
  at?: Date | undefined
}

export interface Account {
  balance: Ore
  credit: Ore
  charges: ChargeRow[]
}

export function createFeeService(deps: {
  policies: PolicyCatalog
  clock: Clock
  receivables: ReceivablesService
  cprVault: CprVault
}) {
  async function requirePatronId(trx: Trx, municipality: string, identifier: string): Promise<number> {
    const patron = await findPatronByCardOrCpr(trx, deps.cprVault, municipality, identifier)
    if (!patron) throw new RefusalError('unknown-patron')
    return patron.id
  }

  /**
   * A payment from the patron (a child's guardian pays the child's claims) to the municipality's receivables,
   * applied to the oldest open claims first; the library sees it and blocks lift in the same transaction.
   */
  async function pay(trx: Trx, input: PayInput): Promise<PaymentOutcome> {
    const at = input.at ?? deps.clock.now()
    const patronId = await requirePatronId(trx, input.municipality, input.patron)
    const debtor = await deps.receivables.debtorForPatron(trx, patronId, localDateOf(at))
    const result = await deps.receivables.payAsDebtor(trx, {
      municipality: input.municipality,
      debtor,
      amount: input.amount,
      channel: input.channel ?? 'mbo-card',
      at,
    })
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
    const debtor = await trx
      .selectFrom('debtors')
      .select('credit')
      .where('patronId', '=', patronId)
      .executeTakeFirst()
    return { balance, credit: debtor?.credit ?? 0, charges }
  }

  return { pay, account }
}

export type FeeService = ReturnType<typeof createFeeService>
