import type { BlockRule } from '../policy/policy-schema.ts'
import type { Ore } from '../shared/money.ts'
import { addDays, type LocalDate } from '../shared/time.ts'

export interface FeeBlockState {
  /** Open amount of every charge. */
  balance: Ore
  /** Open amount of the charge kinds the rule counts (København: overdue and dunning fees). */
  countedBalance: Ore
  feeBlockInForce: boolean
  pendingWarningOn: LocalDate | null
}

export type FeeBlockAction = 'block' | 'lift' | 'warn' | 'withdraw-warning' | 'block-after-warning'

/**
 * What the fee block rule asks for now. Immediate: a balance block or lift, a warning. On the nightly run
 * (`nightly`): the exclusion once the warning's notice period has passed.
 */
export function feeBlockActions(
  rule: BlockRule,
  state: FeeBlockState,
  today: LocalDate,
  nightly: boolean,
): FeeBlockAction[] {
  switch (rule.kind) {
    case 'none':
      return state.feeBlockInForce ? ['lift'] : []
    case 'balance-threshold':
      if (state.balance >= rule.threshold) return state.feeBlockInForce ? [] : ['block']
      return state.feeBlockInForce ? ['lift'] : []
    case 'exclusion-after-notice': {
      if (state.feeBlockInForce) return state.balance === 0 ? ['lift'] : []
      const reached = state.countedBalance >= rule.threshold
      if (state.pendingWarningOn === null) return reached ? ['warn'] : []
      if (!reached) return ['withdraw-warning']
      if (nightly && addDays(state.pendingWarningOn, rule.noticeDays) <= today) return ['block-after-warning']
      return []
    }
  }
}
