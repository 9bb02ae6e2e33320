import type { Ore } from '../shared/money.ts'

export interface OpenCharge {
  id: number
  /** What is still owed on the charge. */
  open: Ore
}

export interface Allocation {
  chargeId: number
  amount: Ore
}

/** Applies a payment to open charges in the order given (oldest first); what is left over is credit. */
export function allocatePayment(
  amount: Ore,
  charges: readonly OpenCharge[],
): { allocations: Allocation[]; leftover: Ore } {
  let left = amount
  const allocations: Allocation[] = []
  for (const charge of charges) {
    if (left === 0) break
    if (charge.open <= 0) continue
    const applied = Math.min(left, charge.open)
    allocations.push({ chargeId: charge.id, amount: applied })
    left -= applied
  }
  return { allocations, leftover: left }
}
