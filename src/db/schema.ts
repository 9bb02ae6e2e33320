import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely'

/** Business dates travel as YYYY-MM-DD strings (the date type parser is switched off). */
type DateColumn = string
type Timestamp = ColumnType<Date, Date | string, Date | string>
type Json<T> = ColumnType<T, string, string>

export interface MunicipalityTable {
  code: string
  name: string
}

export interface PolicyVersionTable {
  municipality: string
  version: number
  effectiveFrom: DateColumn
  document: Json<unknown>
  loadedAt: Generated<Timestamp>
}

export interface PatronTable {
  id: Generated<number>
  municipality: string
  cardNumber: string
  /** HMAC of the CPR number (src/patrons/cpr-vault.ts): how a patron is found by CPR. */
  cprHash: string | null
  /** The CPR number, AES-256-GCM; decrypted only where it is shown or sent (Digital Post). */
  cprEncrypted: string | null
  birthDate: DateColumn
  name: string
  pinHash: string | null
  email: string | null
  phone: string | null
  remindersOptIn: Generated<boolean>
  digitalPost: Generated<boolean>
  guardianId: number | null
  cardLostAt: Timestamp | null
  /** The registration's time (now when not given). */
  createdAt: ColumnType<Date, Date | string | undefined, Date | string>
  /** The channels the patron chose for notices; null: e-mail when given, else SMS. */
  noticeChannels: ('email' | 'sms')[] | null
  language: Generated<'da' | 'en'>
  emailBouncedAt: Timestamp | null
  street: string | null
  postalCode: string | null
  city: string | null
  country: string | null
  pinFailures: Generated<number>
  pinLockedUntil: Timestamp | null
  /** An institution (a school, a nursing home …) borrows on its own card: a name, no CPR number. */
  patronType: Generated<PatronType>
  /** The identity paper shown at registration without a health card (passport, residence card …). */
  idDocumentType: string | null
  idDocumentNumber: string | null
  /** The latest checkout or return of a loan whose link to the patron the nightly run removed. */
  lastLoanAt: Timestamp | null
  /** Deleted by the retention rules: a tombstone without personal data (see jobs/retention-job.ts). */
  deletedAt: Timestamp | null
}

export type PatronType = 'person' | 'institution'

export type ItemStatus = 'available' | 'on-loan' | 'held' | 'lost'

export interface ItemTable {
  id: Generated<number>
  municipality: string
  barcode: string
  title: string
  author: string | null
  materialType: string
  units: Generated<number>
  price: number | null
  referenceOnly: Generated<boolean>
  illLendingLibrary: string | null
  illLoanDays: number | null
  illMaxRenewals: number | null
  illPrice: number | null
  status: Generated<ItemStatus>
  /** General material designation (FBS GMB), e.g. `bog`; null: from the material type. */
  gmb: string | null
  /** Specific material designation (FBS SMB), e.g. `Bog`; null: from the material type. */
  smb: string | null
  /** DK5 classification, e.g. `sk` for fiction, `99.4`. */
  dk5: string | null
}

export type LoanStatus = 'active' | 'returned' | 'lost'

export interface LoanTable {
  id: Generated<number>
  municipality: string
  itemId: number
  /** Removed by the nightly run 28 days after the return (002); the loan stays for the statistics. */
  patronId: number | null
  checkedOutAt: Timestamp
  dueDate: DateColumn
  renewals: Generated<number>
  returnedAt: Timestamp | null
  lostOn: DateColumn | null
  status: Generated<LoanStatus>
}

export type ReservationStatus = 'waiting' | 'held' | 'fulfilled' | 'cancelled' | 'expired'

export interface ReservationTable {
  id: Generated<number>
  municipality: string
  title: string
  patronId: number
  createdAt: Timestamp
  status: Generated<ReservationStatus>
  itemId: number | null
  heldAt: Timestamp | null
  /** When the patron's reservation-ready notice was queued. */
  notifiedAt: Timestamp | null
}

export type ChargeKind =
  | 'overdue-fee'
  | 'replacement'
  | 'processing-fee'
  | 'dunning-fee'
  | 'postage'
  | 'interest'
export type ChargeStatus = 'open' | 'paid' | 'cancelled' | 'refunded'

export interface ChargeTable {
  id: Generated<number>
  municipality: string
  patronId: number
  loanId: number | null
  itemId: number | null
  kind: ChargeKind
  amount: number
  paid: Generated<number>
  status: Generated<ChargeStatus>
  chargeDate: DateColumn
  createdAt: Timestamp
  policyVersion: number
  rule: string
  dueDate: DateColumn | null
  daysOverdue: number | null
  explanation: string
  details: Json<Record<string, unknown>>
  settledAt: Timestamp | null
}

export interface PaymentTable {
  id: Generated<number>
  municipality: string
  patronId: number
  amount: number
  receivedAt: Timestamp
  unapplied: number
}

export interface PaymentAllocationTable {
  id: Generated<number>
  paymentId: number
  chargeId: number
  amount: number
}

export interface RefundTable {
  id: Generated<number>
  municipality: string
  patronId: number
  chargeId: number
  amount: number
  createdAt: Timestamp
  reason: string
}

export type BlockReason = 'fees' | 'exclusion' | 'staff'

export interface BlockTable {
  id: Generated<number>
  municipality: string
  patronId: number
  reason: BlockReason
  fromAt: Timestamp
  untilAt: Timestamp | null
}

export type WarningStatus = 'pending' | 'executed' | 'withdrawn'

export interface ExclusionWarningTable {
  id: Generated<number>
  municipality: string
  patronId: number
  warnedAt: Timestamp
  warnedOn: DateColumn
  status: Generated<WarningStatus>
}

export interface NoticeTable {
  id: Generated<number>
  municipality: string
  patronId: number
  kind: string
  channel: string
  sendAt: Timestamp
  items: Json<string[]>
  dedupeKey: string
  status: Generated<string>
  payload: Json<Record<string, unknown>>
  attempts: Generated<number>
  nextAttemptAt: Timestamp | null
  sentAt: Timestamp | null
  lastError: string | null
}

export interface JobRunTable {
  municipality: string
  job: string
  businessDate: DateColumn
  status: string
  startedAt: Timestamp
  finishedAt: Timestamp | null
  progress: Json<Record<string, unknown>>
}

export interface IssuerTable {
  id: Generated<number>
  municipality: string
  code: string
  name: string
  handles: string
  phone: string | null
  isLibrary: Generated<boolean>
  ladder: string | null
}

export interface DebtorTable {
  id: Generated<number>
  municipality: string
  patronId: number | null
  cprHash: string | null
  cprEncrypted: string | null
  name: string
  digitalPost: Generated<boolean>
  credit: Generated<number>
}

export type LegalKind = 'public' | 'civil'
export type ClaimStatus = 'held' | 'open' | 'paid' | 'cancelled' | 'transferred'
export type HoldReason = 'paused' | 'legacy'

export interface ClaimTable {
  id: Generated<number>
  municipality: string
  issuerId: number
  debtorId: number
  legalKind: LegalKind
  title: string
  amount: number
  paid: Generated<number>
  status: Generated<ClaimStatus>
  holdReason: HoldReason | null
  claimDate: DateColumn
  createdAt: Timestamp
  deadline: DateColumn | null
  paymentId: string
  dunningLetters: Generated<number>
  lastLetterOn: DateColumn | null
  lastLetterDeadline: DateColumn | null
  transferNoticeOn: DateColumn | null
  transferredOn: DateColumn | null
  betalingsservice: Generated<boolean>
  externalRef: string | null
  onPlan: Generated<boolean>
  deadlineExtended: Generated<boolean>
  billedOn: Generated<DateColumn | null>
}

export interface InstalmentPlanTable {
  id: Generated<number>
  municipality: string
  claimId: number
  status: Generated<'active' | 'completed' | 'broken'>
  months: number
  createdAt: Timestamp
  endedOn: DateColumn | null
}

export interface InstalmentTable {
  id: Generated<number>
  planId: number
  number: number
  amount: number
  paid: Generated<number>
  deadline: DateColumn
  paymentId: string
}

export type AppealStatus = 'open' | 'upheld' | 'written-down' | 'rejected'

export interface AppealTable {
  id: Generated<number>
  municipality: string
  claimId: number
  filedAt: Timestamp
  text: string
  status: Generated<AppealStatus>
  decidedAt: Timestamp | null
  decision: string | null
  writtenDown: Generated<number>
}

export interface OffsetTable {
  id: Generated<number>
  municipality: string
  debtorId: number
  source: string
  reported: number
  offsetAmount: number
  at: Timestamp
  businessDate: DateColumn
  channel: string
  receiptId: number | null
}

export type ClaimLineStatus = 'open' | 'paid' | 'cancelled' | 'refunded'

export interface ClaimLineTable {
  id: Generated<number>
  claimId: number
  chargeId: number | null
  kind: string
  text: string
  amount: number
  paid: Generated<number>
  status: Generated<ClaimLineStatus>
}

export interface ClaimEventTable {
  id: Generated<number>
  claimId: number
  at: Timestamp
  kind: string
  detail: Json<Record<string, unknown>>
}

export type BillKind = 'bill' | 'dunning-letter' | 'transfer-notice'
export type BillChannel = 'digital-post' | 'letter'

export interface BillTable {
  id: Generated<number>
  municipality: string
  claimId: number
  debtorId: number
  kind: BillKind
  letterNumber: Generated<number>
  sentOn: DateColumn
  sentAt: Timestamp
  channel: BillChannel
  amount: number
  fee: Generated<number>
  deadline: DateColumn
  deliveryStatus: Generated<string>
  documents: ColumnType<string[], string | undefined, string>
}

export interface ReceiptTable {
  id: Generated<number>
  municipality: string
  channel: string
  amount: number
  receivedAt: Timestamp
  businessDate: DateColumn
  debtorId: number | null
  claimId: number | null
  paymentReference: string | null
  externalRef: string | null
  payerName: string | null
  status: 'applied' | 'unmatched'
  note: string | null
}

export interface ReceiptAllocationTable {
  id: Generated<number>
  receiptId: number | null
  debtorId: number
  claimLineId: number
  amount: number
  at: Timestamp
}

export interface PayoutTable {
  id: Generated<number>
  municipality: string
  debtorId: number
  amount: number
  reason: string
  createdAt: Timestamp
  createdOn: DateColumn
  dueOn: DateColumn
  status: Generated<'pending' | 'paid-out' | 'spent'>
  paidOutOn: DateColumn | null
}

export interface TransferTable {
  id: Generated<number>
  municipality: string
  claimId: number
  debtorId: number
  amount: number
  transferredOn: DateColumn
}

export interface BillingPauseTable {
  id: Generated<number>
  municipality: string
  issuerId: number | null
  legalKind: LegalKind | null
  fromAt: Timestamp
  untilAt: Timestamp | null
  reason: string
}

export interface LedgerEntryTable {
  id: Generated<number>
  municipality: string
  businessDate: DateColumn
  at: Timestamp
  debit: string
  credit: string
  amount: number
  debtorId: number | null
  claimId: number | null
  receiptId: number | null
  memo: string
}

export interface Sip2AccountTable {
  login: string
  passwordHash: string
  municipality: string
  location: string
  createdAt: Generated<Timestamp>
  lastLoginAt: Timestamp | null
}

/** An offline transaction a machine replayed (no block = Y), with the answer it got: replayed once only. */
export interface Sip2OfflineTransactionTable {
  login: string
  /** The SIP2 command: 11, 09 or 29. */
  command: string
  item: string
  /** The patron identifier as a keyed hash (CprVault.identifierHash; '' for a checkin). */
  patron: string
  transactionAt: Timestamp
  /** The response body, without sequence number and checksum, the patron identifier replaced by `{patron}`. */
  response: string
  recordedAt: ColumnType<Date, Date | string | undefined, Date | string>
}

export type StaffRole = 'desk' | 'finance' | 'administrator'

export interface StaffAccountTable {
  id: Generated<number>
  municipality: string
  login: string
  name: string
  passwordHash: string
  roles: StaffRole[]
  createdAt: Generated<Timestamp>
}

/** A web session: the cookie holds a random token, this row its SHA-256. */
export interface WebSessionTable {
  tokenHash: string
  municipality: string
  patronId: number | null
  staffId: number | null
  createdAt: Timestamp
  expiresAt: Timestamp
  /** A message for the next page (after a redirect). */
  flash: Json<WebFlash> | null
}

export type ApiRole = 'administrator' | 'desk' | 'finance' | 'issuer' | 'operator' | 'door'

/** An API key: the key is shown once when created; this row keeps its SHA-256. */
export interface ApiKeyTable {
  id: Generated<number>
  name: string
  role: ApiRole
  /** null: every municipality. */
  municipality: string | null
  keyHash: string
  createdAt: Timestamp
  expiresAt: Timestamp | null
  revokedAt: Timestamp | null
  lastUsedAt: Timestamp | null
}

/** An identity MitID vouched for, waiting for the citizen to finish registering (minutes). */
export interface VerifiedIdentityTable {
  tokenHash: string
  municipality: string
  cprHash: string
  cprEncrypted: string
  birthDate: DateColumn
  name: string
  expiresAt: Timestamp
}

/** A 15–17-year-old's registration, waiting for the guardian's consent. */
export interface PendingRegistrationTable {
  id: Generated<number>
  municipality: string
  cprHash: string
  cprEncrypted: string
  birthDate: DateColumn
  name: string
  pinHash: string
  email: string | null
  phone: string | null
  guardianId: number
  createdAt: Timestamp
  status: Generated<'pending' | 'consented' | 'refused'>
  decidedAt: Timestamp | null
  patronId: number | null
}

/** A staff member looked a patron up at the desk, and why (every look-up is kept). */
export interface StaffLookupTable {
  id: Generated<number>
  municipality: string
  staffId: number
  patronId: number
  reason: string
  at: Timestamp
}

/** A patron registered at the desk: by whom, as what, and whether a guardian consented (children). */
export interface DeskRegistrationTable {
  patronId: number
  staffId: number
  kind: 'adult' | 'child' | 'foreigner' | 'institution'
  guardianConsent: Generated<boolean>
  registeredAt: Timestamp
}

/** A charge annulled or written down by finance staff, with the reason. */
export interface ChargeCorrectionTable {
  id: Generated<number>
  municipality: string
  chargeId: number
  staffId: number
  kind: 'annulled' | 'written-down'
  amount: number
  reason: string
  at: Timestamp
}

/** A patron excluded by staff with written notice (002: 7 days); the block starts on `effectiveOn`. */
export interface StaffExclusionTable {
  id: Generated<number>
  municipality: string
  patronId: number
  staffId: number
  reason: string
  warnedAt: Timestamp
  effectiveOn: DateColumn
  status: Generated<'pending' | 'in-force' | 'withdrawn' | 'lifted'>
  blockId: number | null
  endedAt: Timestamp | null
  endedBy: number | null
  endReason: string | null
}

/** A block lifted by staff, with the reason. */
export interface BlockLiftTable {
  id: Generated<number>
  municipality: string
  blockId: number
  patronId: number
  staffId: number
  reason: string
  at: Timestamp
}

/** A sale from the library's cash box (events, bags, discarded books; seed 000): never a fee or a bill. */
export interface CashSaleTable {
  id: Generated<number>
  municipality: string
  staffId: number
  soldAt: Timestamp
  businessDate: DateColumn
  category: 'event' | 'bag' | 'discarded-book' | 'other'
  description: string
  amount: number
  paymentMethod: 'cash' | 'card' | 'mobilepay'
}

export interface WebFlash {
  kind: 'ok' | 'error'
  text: string
}

/** A card scanned at the door in staffless hours, kept for the policy's retention period. */
export interface DoorEntryTable {
  id: Generated<string>
  municipality: string
  location: string
  card: string
  at: Timestamp
  opened: boolean
  reason: string
}

/** One entry of the append-only audit log (migration 0015): never updated or deleted. */
export interface AuditLogTable {
  id: Generated<number>
  municipality: string
  at: Timestamp
  actorKind: AuditActorKind
  actorId: number | null
  actorName: string
  action: string
  patronId: number | null
  chargeId: number | null
  claimId: number | null
  blockId: number | null
  reason: string | null
  details: Json<Record<string, unknown>>
}

export type AuditActorKind = 'staff' | 'api' | 'machine' | 'system' | 'operator' | 'patron'

export interface Database {
  municipalities: MunicipalityTable
  policyVersions: PolicyVersionTable
  patrons: PatronTable
  items: ItemTable
  loans: LoanTable
  reservations: ReservationTable
  charges: ChargeTable
  payments: PaymentTable
  paymentAllocations: PaymentAllocationTable
  refunds: RefundTable
  blocks: BlockTable
  exclusionWarnings: ExclusionWarningTable
  notices: NoticeTable
  jobRuns: JobRunTable
  issuers: IssuerTable
  debtors: DebtorTable
  claims: ClaimTable
  claimLines: ClaimLineTable
  claimEvents: ClaimEventTable
  bills: BillTable
  receipts: ReceiptTable
  receiptAllocations: ReceiptAllocationTable
  payouts: PayoutTable
  transfers: TransferTable
  billingPauses: BillingPauseTable
  ledgerEntries: LedgerEntryTable
  instalmentPlans: InstalmentPlanTable
  instalments: InstalmentTable
  appeals: AppealTable
  offsets: OffsetTable
  sip2Accounts: Sip2AccountTable
  sip2OfflineTransactions: Sip2OfflineTransactionTable
  doorEntries: DoorEntryTable
  staffAccounts: StaffAccountTable
  webSessions: WebSessionTable
  apiKeys: ApiKeyTable
  staffLookups: StaffLookupTable
  deskRegistrations: DeskRegistrationTable
  chargeCorrections: ChargeCorrectionTable
  staffExclusions: StaffExclusionTable
  blockLifts: BlockLiftTable
  cashSales: CashSaleTable
  verifiedIdentities: VerifiedIdentityTable
  pendingRegistrations: PendingRegistrationTable
  auditLog: AuditLogTable
}

export type PatronRow = Selectable<PatronTable>
export type NewPatron = Insertable<PatronTable>
export type ItemRow = Selectable<ItemTable>
export type NewItem = Insertable<ItemTable>
export type LoanRow = Selectable<LoanTable>
export type ReservationRow = Selectable<ReservationTable>
export type ChargeRow = Selectable<ChargeTable>
export type NewCharge = Insertable<ChargeTable>
export type ChargeUpdate = Updateable<ChargeTable>
export type BlockRow = Selectable<BlockTable>
export type NoticeRow = Selectable<NoticeTable>
export type IssuerRow = Selectable<IssuerTable>
export type DebtorRow = Selectable<DebtorTable>
export type ClaimRow = Selectable<ClaimTable>
export type NewClaim = Insertable<ClaimTable>
export type ClaimLineRow = Selectable<ClaimLineTable>
export type BillRow = Selectable<BillTable>
export type ReceiptRow = Selectable<ReceiptTable>
export type PayoutRow = Selectable<PayoutTable>
