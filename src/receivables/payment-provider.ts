import { randomUUID } from 'node:crypto'
import type { Ore } from '../shared/money.ts'

export type OnlineMethod = 'card' | 'mobilepay'

export interface OnlinePaymentRequest {
  amount: Ore
  method: OnlineMethod
  /** The claim's payment ID, shown on the citizen's statement. */
  reference: string
  description: string
  /** What the citizen's card or app gave the browser (a token from the provider's own form). */
  token: string
}

export type OnlinePaymentResult =
  | { status: 'captured'; providerRef: string }
  | { status: 'declined'; reason: string }

/** Card and MobilePay payments in Mit Betalingsoverblik go through a provider behind this interface. */
export interface PaymentProvider {
  readonly name: string
  charge(request: OnlinePaymentRequest): Promise<OnlinePaymentResult>
}

/**
 * The built-in test provider: captures every payment, except a token "declined" (card refused) or
 * "insufficient-funds", so tests and demos can show both outcomes.
 */
export function createTestPaymentProvider(): PaymentProvider {
  return {
    name: 'test',
    async charge(request) {
      if (request.token === 'declined') return { status: 'declined', reason: 'Kortet blev afvist.' }
      if (request.token === 'insufficient-funds')
        return { status: 'declined', reason: 'Der er ikke dækning.' }
      return { status: 'captured', providerRef: `test-${randomUUID()}` }
    },
  }
}
