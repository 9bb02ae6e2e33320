import type { Policy } from '../policy/policy-schema.ts'
import { addDays, addMonths, instantOfLocal, type LocalDate } from '../shared/time.ts'

/** What the night of `date` deletes: everything before these instants (the start of a Copenhagen day). */
export interface RetentionCutoffs {
  /** A loan returned before this loses its link to the patron. */
  loanLinkBefore: Date
  /** A patron whose last checkout or return (or registration) lies before this may be deleted. */
  patronActiveSince: Date
  /** The same as a date, for loans declared lost (a date column). */
  patronActiveSinceDate: LocalDate
  /** A staff look-up made before this is deleted. */
  lookupsBefore: Date
}

/**
 * The cutoffs of one night. Whole Copenhagen days are counted, so a loan returned on day D keeps its
 * patron through the night of D+28 and loses it in the night of D+29, whatever the hour of the return
 * and across a change to or from summer time.
 */
export function retentionCutoffs(policy: Pick<Policy, 'privacy'>, date: LocalDate): RetentionCutoffs {
  const { loanPatronLinkDays, inactivePatronYears, staffLookupRetentionDays } = policy.privacy
  const activeSince = addMonths(date, -12 * inactivePatronYears.value)
  return {
    // 002: "Biblioteket har op til 4 uger efter afleveringen mulighed for at se, hvem der har haft lånt et
    // givent materiale."
    loanLinkBefore: instantOfLocal(addDays(date, -loanPatronLinkDays.value)),
    // 002: "Hvis du ikke har lånt fysiske materialer i 2 år, bliver du automatisk slettet af lånerregistret."
    patronActiveSince: instantOfLocal(activeSince),
    patronActiveSinceDate: activeSince,
    lookupsBefore: instantOfLocal(addDays(date, -staffLookupRetentionDays.value)),
  }
}

/**
 * A deleted patron's row: a tombstone without personal data. The row itself stays because charges,
 * payments, refunds, notices' bookkeeping and the receivables' debtor (and through it claims and the
 * ledger) keep referring to the patron by id. The card number becomes a random token no one can type or
 * guess, so neither a card nor a CPR number finds the tombstone again; the not-null columns get
 * placeholders (an empty name, 1 January 1900).
 */
export function tombstone(randomToken: string, at: Date) {
  return {
    cardNumber: `deleted:${randomToken}`,
    cprHash: null,
    cprEncrypted: null,
    birthDate: '1900-01-01',
    name: '',
    pinHash: null,
    email: null,
    phone: null,
    remindersOptIn: false,
    digitalPost: false,
    guardianId: null,
    cardLostAt: null,
    noticeChannels: null,
    emailBouncedAt: null,
    street: null,
    postalCode: null,
    city: null,
    country: null,
    pinFailures: 0,
    pinLockedUntil: null,
    idDocumentType: null,
    idDocumentNumber: null,
    lastLoanAt: null,
    deletedAt: at,
  } as const
}
