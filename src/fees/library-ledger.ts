import { sql } from 'kysely'
import { enqueueRefundNotice } from '../notices/notice-repository.ts'
import type { PolicyCatalog } from '../policy/policy-catalog.ts'
import type { LibraryLedger } from '../receivables/receivables-port.ts'
import { addPayments } from './charge-repository.ts'
import { evaluateFeeBlocks } from './fee-block-service.ts'

/**
 * The library's side of the receivables interface: a payment recorded in the municipality's receivables
 * shows on the patron's library account at once (KK's 72 hours, seed 000, become none), and blocks lift in
 * the same transaction; a dunning fee or interest added to a library claim becomes a library charge, so
 * that KK's exclusion rule counts it.
 */
export function createLibraryLedger(policies: PolicyCatalog): LibraryLedger {
  return {
    async paymentsApplied(trx, municipality, payments, at) {
      if (payments.length === 0) return
      const charges = await trx
        .selectFrom('charges')
        .select(['id', 'patronId'])
        .where('id', '=', sql<number>`any(${[...new Set(payments.map((p) => p.chargeId))]}::int[])`)
        .execute()
      const patronOf = new Map(charges.map((c) => [c.id, c.patronId]))
      const byPatron = new Map<number, { chargeId: number; amount: number }[]>()
      for (const payment of payments) {
        const patronId = patronOf.get(payment.chargeId)
        if (patronId === undefined) continue
        const list = byPatron.get(patronId) ?? []
        list.push(payment)
        byPatron.set(patronId, list)
      }
      // One payment row per patron, then the charges and the allocations in one statement each (array
      // parameters): a bank file brings thousands of payments at once. The charges are updated before the
      // allocations are inserted, so that their foreign keys find rows this transaction already holds.
      const patronIds = [...byPatron.keys()]
      const { rows } = await sql<{ id: number; patronId: number }>`
        insert into payments (municipality, patron_id, amount, received_at, unapplied)
        select ${municipality}, p.patron_id, p.amount, ${at}::timestamptz, 0
        from unnest(${patronIds}::int[], ${patronIds.map((id) =>
          (byPatron.get(id) ?? []).reduce((sum, p) => sum + p.amount, 0),
        )}::int[]) as p(patron_id, amount)
        returning id, patron_id
      `.execute(trx)
      const paymentOf = new Map(rows.map((r) => [r.patronId, r.id]))
      const byCharge = new Map<number, number>()
      for (const p of payments) byCharge.set(p.chargeId, (byCharge.get(p.chargeId) ?? 0) + p.amount)
      await addPayments(trx, byCharge, at)
      const allocations = [...byPatron].flatMap(([patronId, list]) =>
        list.map((p) => ({
          paymentId: paymentOf.get(patronId) as number,
          chargeId: p.chargeId,
          amount: p.amount,
        })),
      )
      await sql`
        insert into payment_allocations (payment_id, charge_id, amount)
        select * from unnest(
          ${allocations.map((a) => a.paymentId)}::int[],
          ${allocations.map((a) => a.chargeId)}::int[],
          ${allocations.map((a) => a.amount)}::int[]
        )
      `.execute(trx)
      if (policies.has(municipality)) {
        await evaluateFeeBlocks(trx, policies, municipality, [...byPatron.keys()], at, false)
      }
    },

    async chargesWrittenDown(trx, municipality, changes, at, reason) {
      if (changes.length === 0) return
      const patrons = new Set<number>()
      for (const change of changes) {
        const charge = await trx
          .updateTable('charges')
          .set({
            amount: sql`amount - ${change.by}`,
            status: sql`case
              when ${change.refunded} > 0 then 'refunded'
              when amount - ${change.by} <= paid and paid > 0 then 'paid'
              when amount - ${change.by} <= paid then 'cancelled'
              else status end`,
            settledAt: sql`case when amount - ${change.by} <= paid then ${at}::timestamptz else settled_at end`,
          })
          .where('id', '=', change.chargeId)
          .returning(['id', 'patronId', 'itemId'])
          .executeTakeFirstOrThrow()
        patrons.add(charge.patronId)
        if (change.refunded > 0) {
          const refund = await trx
            .insertInto('refunds')
            .values({
              municipality,
              patronId: charge.patronId,
              chargeId: charge.id,
              amount: change.refunded,
              createdAt: at,
              reason,
            })
            .returning('id')
            .executeTakeFirstOrThrow()
          await enqueueRefundNotice(trx, {
            id: refund.id,
            municipality,
            patronId: charge.patronId,
            amount: change.refunded,
            at,
            itemId: charge.itemId,
          })
        }
      }
      if (policies.has(municipality)) {
        await evaluateFeeBlocks(trx, policies, municipality, [...patrons], at, false)
      }
    },

    async adjustmentsAdded(trx, adjustments, at) {
      if (adjustments.length === 0) return []
      // Ids taken first, so that each fee's charge id is known without relying on the order of RETURNING.
      const ids = (
        await sql<{ id: number }>`
          select nextval(pg_get_serial_sequence('charges', 'id'))::int as id
          from generate_series(1, ${adjustments.length})
        `.execute(trx)
      ).rows.map((r) => r.id)
      const rows = adjustments.map((adjustment, index) => ({
        id: ids[index] as number,
        municipality: adjustment.municipality,
        patronId: adjustment.patronId,
        loanId: null,
        itemId: null,
        kind: adjustment.kind,
        amount: adjustment.amount,
        chargeDate: adjustment.date,
        createdAt: at,
        policyVersion: policies.has(adjustment.municipality)
          ? policies.inForce(adjustment.municipality, adjustment.date).version
          : 0,
        rule: `receivables-${adjustment.kind}`,
        dueDate: null,
        daysOverdue: null,
        explanation: adjustment.explanation,
        details: JSON.stringify(adjustment.details),
        settledAt: null,
      }))
      for (let i = 0; i < rows.length; i += 1000) {
        await trx
          .insertInto('charges')
          .values(rows.slice(i, i + 1000))
          .execute()
      }
      const patronsBy = new Map<string, number[]>()
      for (const adjustment of adjustments) {
        const list = patronsBy.get(adjustment.municipality) ?? []
        list.push(adjustment.patronId)
        patronsBy.set(adjustment.municipality, list)
      }
      for (const [municipality, patronIds] of patronsBy) {
        if (policies.has(municipality))
          await evaluateFeeBlocks(trx, policies, municipality, patronIds, at, false)
      }
      return ids
    },
  }
}
