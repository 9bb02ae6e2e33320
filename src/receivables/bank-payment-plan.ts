import type { ClaimStatus } from '../db/schema.ts'
import { allocatePayment } from '../fees/ledger-rules.ts'
import type { Ore } from '../shared/money.ts'

// Where each payment of a bank file goes, worked out in memory for a whole batch before anything is written,
// so that the writes can be one statement per table. The order is that of the payments placed one at a
// time: first every payment its claim absorbs whole, in file order; then each overpayment in file order,
// first on its own claim, then on the debtor's other payable claims oldest first (`settle`), each seeing
// the lines as the payments before it left them.

export interface BankPayment {
  paymentReference: string | null
  amount: Ore
  externalRef: string
  payerName: string | null
}

/** An open claim line; `open` goes down as the plan places money on it. */
export interface LineState {
  id: number
  claimId: number
  chargeId: number | null
  open: Ore
}

export interface ClaimState {
  id: number
  debtorId: number
  status: ClaimStatus
  onPlan: boolean
  /** The claim's open lines (as read at the start of the batch), in id order. */
  lines: LineState[]
}

export interface Part {
  line: LineState
  amount: Ore
}

/** Money placed by one application to claims: the parts by line, and per claim what it got and whether it is then paid. */
export interface Placement {
  parts: Part[]
  claims: { claimId: number; applied: Ore; paid: boolean }[]
}

export type Route =
  /** No payment ID in the payment: held for staff. */
  | { kind: 'unmatched' }
  /** A valid payment ID no claim has: an instalment's, or else held for staff. */
  | { kind: 'unknown-id'; paymentId: string }
  /** Its claim absorbs it whole. */
  | { kind: 'placed'; claim: ClaimState; parts: Part[] }
  /** More than its claim owes: the surplus goes to the debtor's other claims, then back to the citizen. */
  | { kind: 'over'; claim: ClaimState }
  /** A claim with an instalment plan, held or cancelled: placed one at a time with all the rules. */
  | { kind: 'one-by-one'; claim: ClaimState }

export function openAmount(claim: ClaimState): Ore {
  let open = 0
  for (const line of claim.lines) open += line.open
  return open
}

/**
 * Routes each payment by its claim (`claimOf` of its payment ID); a payment its claim absorbs whole is
 * placed at once, line by line, so the next payment on the same claim sees what is left.
 */
export function routePayments(
  payments: readonly BankPayment[],
  paymentIdOf: (payment: BankPayment) => string | null,
  claimOf: (paymentId: string) => ClaimState | undefined,
): Route[] {
  return payments.map((payment): Route => {
    const paymentId = paymentIdOf(payment)
    if (paymentId === null) return { kind: 'unmatched' }
    const claim = claimOf(paymentId)
    if (!claim) return { kind: 'unknown-id', paymentId }
    if (claim.onPlan || claim.status === 'held' || claim.status === 'cancelled') {
      return { kind: 'one-by-one', claim }
    }
    if (payment.amount > openAmount(claim)) return { kind: 'over', claim }
    return { kind: 'placed', claim, parts: place(payment.amount, [claim]).placement.parts }
  })
}

/**
 * Places money on the open lines of the claims in the order given, by line within a claim, as
 * `applyToClaims` does; the lines' open amounts go down. Returns what is left.
 */
export function place(amount: Ore, claims: readonly ClaimState[]): { placement: Placement; left: Ore } {
  const lines = claims.flatMap((c) => c.lines)
  const byId = new Map(lines.map((l) => [l.id, l]))
  const { allocations, leftover } = allocatePayment(
    amount,
    lines.map((l) => ({ id: l.id, open: l.open })),
  )
  const parts: Part[] = []
  const applied = new Map<number, Ore>()
  for (const allocation of allocations) {
    const line = byId.get(allocation.chargeId) as LineState
    line.open -= allocation.amount
    parts.push({ line, amount: allocation.amount })
    applied.set(line.claimId, (applied.get(line.claimId) ?? 0) + allocation.amount)
  }
  const claimById = new Map(claims.map((c) => [c.id, c]))
  return {
    placement: {
      parts,
      claims: [...applied].map(([claimId, amount]) => ({
        claimId,
        applied: amount,
        paid: openAmount(claimById.get(claimId) as ClaimState) === 0,
      })),
    },
    left: leftover,
  }
}

export interface SurplusPlan {
  /** On the payment's own claim. */
  first: Placement
  /** The surplus on the debtor's other payable claims. */
  others: Placement
  /** What is left: the citizen's credit, paid out. */
  left: Ore
}

/**
 * An overpayment as `settle` places it: on its own claim, then on the debtor's other payable claims
 * (`payable`, oldest first, its own claim left out); what is then left is paid out.
 */
export function planOverpayment(amount: Ore, claim: ClaimState, payable: readonly ClaimState[]): SurplusPlan {
  const first = place(amount, [claim])
  const none: Placement = { parts: [], claims: [] }
  if (first.left === 0) return { first: first.placement, others: none, left: 0 }
  const others = place(
    first.left,
    payable.filter((c) => c.id !== claim.id),
  )
  return { first: first.placement, others: others.placement, left: others.left }
}
