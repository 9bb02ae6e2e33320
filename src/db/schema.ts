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
  cpr: string | null
  birthDate: DateColumn
  name: string
  pinHash: string | null
  email: string | null
  phone: string | null
  remindersOptIn: Generated<boolean>
  digitalPost: Generated<boolean>
  guardianId: number | null
  cardLostAt: Timestamp | null
  createdAt: Generated<Timestamp>
}

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
}

export type LoanStatus = 'active' | 'returned' | 'lost'

export interface LoanTable {
  id: Generated<number>
  municipality: string
  itemId: number
  patronId: number
  checkedOutAt: Timestamp
  dueDate: DateColumn
  renewals: Generated<number>
  returnedAt: Timestamp | null
  lostOn: DateColumn | null
  status: Generated<LoanStatus>
}

export type ReservationStatus = 'waiting' | 'held' | 'fulfilled' | 'cancelled'

export interface ReservationTable {
  id: Generated<number>
  municipality: string
  title: string
  patronId: number
  createdAt: Timestamp
  status: Generated<ReservationStatus>
  itemId: number | null
  heldAt: Timestamp | null
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
