import { type Kysely, sql } from 'kysely'
import { type AuditEntry, recordAudit, SYSTEM_ACTOR } from '../audit/audit-log.ts'
import type { Database } from '../db/schema.ts'
import { enqueueNotices, writtenChannel } from '../notices/notice-repository.ts'
import type { PolicyCatalog } from '../policy/policy-catalog.ts'
import { type LocalDate, localDateOf } from '../shared/time.ts'
import { type FeeBlockAction, feeBlockActions } from './block-rules.ts'
import { openAmountsOf } from './charge-repository.ts'

type Trx = Kysely<Database>

const FEE_BLOCK_REASONS = ['fees', 'exclusion'] as const

/**
 * Applies the municipality's fee block rule to these patrons as of `at`: blocks, lifts, exclusion warnings.
 * Called in the transaction that changed a balance, and by the nightly run (`nightly`) for notice periods.
 */
export async function evaluateFeeBlocks(
  trx: Trx,
  policies: PolicyCatalog,
  municipality: string,
  patronIds: readonly number[],
  at: Date,
  nightly: boolean,
  businessDate: LocalDate = localDateOf(at),
): Promise<Map<number, FeeBlockAction[]>> {
  const done = new Map<number, FeeBlockAction[]>()
  const ids = [...new Set(patronIds)]
  if (ids.length === 0) return done
  const rule = policies.inForce(municipality, businessDate).blocks.fees.value
  // One evaluation per patron at a time: a second transaction waits here and then sees the first one's
  // charges and block, so two returns at once neither block twice nor miss the threshold together.
  // NO KEY UPDATE, not UPDATE: a transaction that has inserted a charge holds a key-share lock on the
  // patron (the foreign key), and FOR UPDATE would wait for it and deadlock.
  const locked = await trx
    .selectFrom('patrons')
    .select(['id', 'digitalPost'])
    .where('id', 'in', ids)
    .orderBy('id')
    .forNoKeyUpdate()
    .execute()
  const patrons = new Map(locked.map((row) => [row.id, row]))
  const amounts = await openAmountsOf(trx, ids)
  const openBlocks = await trx
    .selectFrom('blocks')
    .select(['patronId'])
    .where('patronId', 'in', ids)
    .where('untilAt', 'is', null)
    .where('reason', 'in', FEE_BLOCK_REASONS)
    .execute()
  const blocked = new Set(openBlocks.map((row) => row.patronId))
  const warnings = await trx
    .selectFrom('exclusionWarnings')
    .select(['id', 'patronId', 'warnedOn'])
    .where('patronId', 'in', ids)
    .where('status', '=', 'pending')
    .execute()
  const pending = new Map(warnings.map((w) => [w.patronId, w]))

  // Warnings are written together after the loop (a handful of statements instead of four per patron);
  // they touch no row the other actions read or write, so the outcome is the same as one by one.
  const toWarn: number[] = []
  // Lifts and withdrawn warnings are always an evaluation's only action: written together after the loop.
  const toLift: number[] = []
  const toWithdraw: number[] = []
  const audit: AuditEntry[] = []
  const entry = (patronId: number, action: AuditEntry['action'], blockId: number) =>
    audit.push({
      municipality,
      at,
      actor: SYSTEM_ACTOR,
      action,
      patronId,
      blockId,
      details: { rule: rule.kind, balance: amounts.get(patronId)?.balance ?? 0, nightly },
    })
  for (const patronId of ids) {
    const open = amounts.get(patronId) ?? { balance: 0, byKind: {} }
    const counted =
      rule.kind === 'exclusion-after-notice'
        ? rule.countedKinds.reduce((sum, kind) => sum + (open.byKind[kind] ?? 0), 0)
        : open.balance
    const actions = feeBlockActions(
      rule,
      {
        balance: open.balance,
        countedBalance: counted,
        feeBlockInForce: blocked.has(patronId),
        pendingWarningOn: pending.get(patronId)?.warnedOn ?? null,
      },
      businessDate,
      nightly,
    )
    for (const action of actions) {
      const warningId = pending.get(patronId)?.id
      if (action === 'warn') toWarn.push(patronId)
      else if (action === 'lift') toLift.push(patronId)
      else if (action === 'withdraw-warning') {
        if (warningId !== undefined) toWithdraw.push(warningId)
      } else {
        const block = await applyAction(trx, municipality, patronId, action, at, warningId)
        if (block !== undefined) entry(patronId, block.action, block.id)
      }
    }
    if (actions.length > 0) done.set(patronId, actions)
  }
  if (toLift.length > 0) {
    const lifted = await trx
      .updateTable('blocks')
      .set({ untilAt: at })
      .where('patronId', '=', sql<number>`any(${toLift}::int[])`)
      .where('untilAt', 'is', null)
      .where('reason', 'in', FEE_BLOCK_REASONS)
      .returning(['id', 'patronId'])
      .execute()
    for (const block of lifted) entry(block.patronId, 'fee-block-lifted', block.id)
  }
  await recordAudit(trx, audit)
  if (toWithdraw.length > 0) {
    await trx
      .updateTable('exclusionWarnings')
      .set({ status: 'withdrawn' })
      .where('id', '=', sql<number>`any(${toWithdraw}::int[])`)
      .execute()
  }
  await warn(trx, municipality, toWarn, patrons, at, businessDate)
  return done
}

/** KK's exclusion warning: the pending warning and its written notice naming the items of the open charges. */
async function warn(
  trx: Trx,
  municipality: string,
  patronIds: readonly number[],
  patrons: ReadonlyMap<number, { digitalPost: boolean }>,
  at: Date,
  businessDate: LocalDate,
): Promise<void> {
  for (let i = 0; i < patronIds.length; i += WARN_CHUNK) {
    const chunk = patronIds.slice(i, i + WARN_CHUNK)
    const warnings = new Map<number, number>()
    for (const row of await trx
      .insertInto('exclusionWarnings')
      .values(chunk.map((patronId) => ({ municipality, patronId, warnedAt: at, warnedOn: businessDate })))
      .returning(['id', 'patronId'])
      .execute()) {
      warnings.set(row.patronId, row.id)
    }
    const items = new Map<number, string[]>()
    for (const row of await trx
      .selectFrom('charges')
      .innerJoin('items', 'items.id', 'charges.itemId')
      .select(['charges.patronId', 'items.barcode'])
      .distinct()
      .where('charges.patronId', 'in', chunk)
      .where('charges.status', '=', 'open')
      .orderBy('charges.patronId')
      .orderBy('items.barcode')
      .execute()) {
      const list = items.get(row.patronId) ?? []
      list.push(row.barcode)
      items.set(row.patronId, list)
    }
    await enqueueNotices(
      trx,
      chunk.map((patronId) => {
        const patron = patrons.get(patronId)
        if (!patron) throw new Error(`no patron ${patronId}`)
        return {
          municipality,
          patronId,
          kind: 'exclusion-warning',
          channel: writtenChannel(patron),
          sendAt: at,
          items: items.get(patronId) ?? [],
          dedupeKey: `exclusion-warning:${warnings.get(patronId)}`,
        }
      }),
    )
  }
}

const WARN_CHUNK = 1000

async function applyAction(
  trx: Trx,
  municipality: string,
  patronId: number,
  action: FeeBlockAction,
  at: Date,
  warningId: number | undefined,
): Promise<{ action: 'fee-block' | 'fee-exclusion'; id: number } | undefined> {
  switch (action) {
    case 'block': {
      const block = await trx
        .insertInto('blocks')
        .values({ municipality, patronId, reason: 'fees', fromAt: at })
        .returning('id')
        .executeTakeFirstOrThrow()
      return { action: 'fee-block', id: block.id }
    }
    case 'lift':
      // Written in bulk after the loop.
      return
    case 'warn':
      // Written in bulk by warn().
      return
    case 'withdraw-warning':
      if (warningId !== undefined) {
        await trx
          .updateTable('exclusionWarnings')
          .set({ status: 'withdrawn' })
          .where('id', '=', warningId)
          .execute()
      }
      return
    case 'block-after-warning':
      if (warningId !== undefined) {
        await trx
          .updateTable('exclusionWarnings')
          .set({ status: 'executed' })
          .where('id', '=', warningId)
          .execute()
      }
      return {
        action: 'fee-exclusion',
        id: (
          await trx
            .insertInto('blocks')
            .values({ municipality, patronId, reason: 'exclusion', fromAt: at })
            .returning('id')
            .executeTakeFirstOrThrow()
        ).id,
      }
  }
}
