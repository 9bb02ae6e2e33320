// SIP2 2.00 messages as typed objects: the requests a self-service machine sends (parseSip2Request) and
// the responses laan answers with (formatSip2Response); the reverse directions (formatSip2Request,
// parseSip2Response) serve test clients and round-trip tests. No I/O here: the TCP server and the FBS
// endpoint frame the bytes, verify nothing else, and answer `96` to every `{ ok: false }`.
//
// Reading is tolerant of real clients: CR, CRLF or LF endings (and a leading LF left over from the last
// message's CRLF), variable fields in any order, empty or missing optional fields, a stray `|` after the
// fixed part, 18 blanks as a date (null: the server uses the time of receipt), missing AC or CP, lowercase
// field codes. A repeated field keeps its first value; list fields (AS, AT, AU, AV, BU, CD, BM, BN, AF,
// AG) keep every occurrence. Fields the spec does not know are kept in `extraFields`. A field required by
// SIP2 but missing is read as '' (text): the server decides what that means.
//
// Writing sanitises values (no `|`, CR or LF), writes required fields even when empty, leaves optional
// ones out when undefined, echoes the request's sequence number (AY) and adds the checksum (AZ) when the
// request had one. Fee amounts are øre in the objects and kr with two decimals on the wire (`123.45`).

import type { Ore } from '../shared/money.ts'
import {
  appendChecksumOnly,
  appendErrorDetection,
  decodeSip2Bytes,
  encodeSip2,
  type Sip2Encoding,
  verifySip2Checksum,
} from './sip2-checksum.ts'
import {
  decodeBody,
  encodeBody,
  type FieldSpec,
  type FixedSpec,
  fixedPartLength,
  type MessageSpec,
  type Sip2PatronStatus,
  type Sip2Summary,
  type Sip2SupportedMessages,
  type YesNoUnknown,
} from './sip2-fields.ts'

// ---------------------------------------------------------------------------------------------------
// Codes

/** SIP2 language codes (3 digits) laan uses. */
export const SIP2_LANGUAGE = { unknown: '000', english: '001', danish: '009' } as const

/** Circulation status of 18 (2 digits). */
export const CIRCULATION_STATUS = {
  other: '01',
  onOrder: '02',
  available: '03',
  charged: '04',
  chargedNotToBeRecalled: '05',
  inProcess: '06',
  recalled: '07',
  waitingOnHoldShelf: '08',
  waitingToBeReshelved: '09',
  inTransit: '10',
  claimedReturned: '11',
  lost: '12',
  missing: '13',
} as const

/** Fee type (2 digits: 37's fixed part, BT of 12 and 30, 18's fixed part). */
export const FEE_TYPE = {
  other: '01',
  administrative: '02',
  damage: '03',
  overdue: '04',
  processing: '05',
  rental: '06',
  replacement: '07',
  computerAccess: '08',
  holdFee: '09',
} as const

/** Security marker of 18. */
export const SECURITY_MARKER = { other: '00', none: '01', tattleTape: '02', whisperTape: '03' } as const

/** Media type (CK, 3 digits). */
export const MEDIA_TYPE = {
  other: '000',
  book: '001',
  magazine: '002',
  boundJournal: '003',
  audioTape: '004',
  videoTape: '005',
  cdRom: '006',
  diskette: '007',
  bookWithDiskette: '008',
  bookWithCd: '009',
  bookWithAudioTape: '010',
} as const

export const SIP2_CURRENCY = 'DKK'

// ---------------------------------------------------------------------------------------------------
// Requests (machine → laan)

interface WithInstitution {
  /** AO, institution id (required by SIP2; '' when missing). */
  institutionId: string
}
interface WithTerminalPassword {
  /** AC, terminal password; often empty or missing. */
  terminalPassword?: string
}
interface WithPatron {
  /** AA, patron identifier: card number or CPR. */
  patronIdentifier: string
  /** AD, patron password (PIN). */
  patronPassword?: string
}

/** 93: login of the machine's account. */
export interface LoginRequest {
  type: 'login'
  /** UID algorithm, one character; `0` = not encrypted. */
  uidAlgorithm: string
  /** PWD algorithm, one character; `0` = not encrypted. */
  pwdAlgorithm: string
  /** CN */
  loginUserId: string
  /** CO */
  loginPassword: string
  /** CP, location code; missing in some clients. */
  locationCode?: string
}

/** 99: the machine's status; answered with 98. */
export interface ScStatusRequest {
  type: 'sc-status'
  /** 0 = OK, 1 = printer out of paper, 2 = about to shut down. */
  statusCode: string
  maxPrintWidth: number
  /** `2.00` */
  protocolVersion: string
}

/** 23: patron status. */
export interface PatronStatusRequest extends WithInstitution, WithTerminalPassword, WithPatron {
  type: 'patron-status'
  language: string
  /** null: 18 blanks or no date. */
  transactionDate: Date | null
}

/** 63: patron information, with the one item list the summary asks for. */
export interface PatronInformationRequest extends WithInstitution, WithTerminalPassword, WithPatron {
  type: 'patron-information'
  language: string
  transactionDate: Date | null
  summary: Sip2Summary
  /** BP, first item of the list wanted (1-based). */
  startItem?: number
  /** BQ, last item of the list wanted. */
  endItem?: number
}

/** 11: checkout. */
export interface CheckoutRequest extends WithInstitution, WithTerminalPassword, WithPatron {
  type: 'checkout'
  /** Whether the machine allows renewing an item the patron already has. */
  scRenewalPolicy: boolean
  /** Y: an offline transaction stored by the machine, to be accepted whatever the blocks. */
  noBlock: boolean
  transactionDate: Date | null
  /** The due date the machine gave offline (with noBlock). */
  nbDueDate: Date | null
  /** AB */
  itemIdentifier: string
  /** CH */
  itemProperties?: string
  /** BO */
  feeAcknowledged?: boolean
  /** BI */
  cancel?: boolean
}

/** 09: checkin. */
export interface CheckinRequest extends WithInstitution, WithTerminalPassword {
  type: 'checkin'
  noBlock: boolean
  transactionDate: Date | null
  returnDate: Date | null
  /** AP */
  currentLocation: string
  itemIdentifier: string
  itemProperties?: string
  cancel?: boolean
}

/** 29: renew one item. */
export interface RenewRequest extends WithInstitution, WithTerminalPassword, WithPatron {
  type: 'renew'
  thirdPartyAllowed: boolean
  noBlock: boolean
  transactionDate: Date | null
  nbDueDate: Date | null
  itemIdentifier?: string
  /** AJ */
  titleIdentifier?: string
  itemProperties?: string
  feeAcknowledged?: boolean
}

/** 65: renew every loan of a patron. */
export interface RenewAllRequest extends WithInstitution, WithTerminalPassword, WithPatron {
  type: 'renew-all'
  transactionDate: Date | null
  feeAcknowledged?: boolean
}

/** 17: item information. */
export interface ItemInformationRequest extends WithInstitution, WithTerminalPassword {
  type: 'item-information'
  transactionDate: Date | null
  itemIdentifier: string
}

/** 15: place (+), cancel (-) or change (*) a hold. */
export interface HoldRequest extends WithInstitution, WithTerminalPassword, WithPatron {
  type: 'hold'
  /** `+` add, `-` delete, `*` change. */
  holdMode: string
  transactionDate: Date | null
  /** BW */
  expirationDate?: Date
  /** BS */
  pickupLocation?: string
  /** BY, 1 other, 2 any copy of a title, 3 a specific copy, 4 any copy at a location. */
  holdType?: string
  itemIdentifier?: string
  titleIdentifier?: string
  feeAcknowledged?: boolean
}

/** 37: fee paid at the machine (laan answers "not accepted"). */
export interface FeePaidRequest extends WithInstitution, WithTerminalPassword, WithPatron {
  type: 'fee-paid'
  transactionDate: Date | null
  feeType: string
  /** 00 cash, 01 VISA, 02 credit card. */
  paymentType: string
  currencyType: string
  /** BV in øre; missing when absent or no amount. */
  feeAmount?: Ore
  /** CG */
  feeIdentifier?: string
  /** BK */
  transactionId?: string
}

/** 35: end the patron's session. */
export interface EndPatronSessionRequest extends WithInstitution, WithTerminalPassword, WithPatron {
  type: 'end-patron-session'
  transactionDate: Date | null
}

/** 01: block the patron (the machine kept the card); no response. */
export interface BlockPatronRequest extends WithInstitution, WithTerminalPassword {
  type: 'block-patron'
  cardRetained: boolean
  transactionDate: Date | null
  /** AL */
  blockedCardMessage: string
  patronIdentifier: string
}

/** 97: send the last response again. */
export interface RequestResendRequest {
  type: 'request-resend'
}

export type Sip2Request =
  | LoginRequest
  | ScStatusRequest
  | PatronStatusRequest
  | PatronInformationRequest
  | CheckoutRequest
  | CheckinRequest
  | RenewRequest
  | RenewAllRequest
  | ItemInformationRequest
  | HoldRequest
  | FeePaidRequest
  | EndPatronSessionRequest
  | BlockPatronRequest
  | RequestResendRequest

// ---------------------------------------------------------------------------------------------------
// Responses (laan → machine)

interface WithScreen {
  /** AF, screen messages (Danish text for the patron). */
  screenMessage?: string[]
  /** AG, print lines. */
  printLine?: string[]
}

/** 94 */
export interface LoginResponse {
  type: 'login-response'
  ok: boolean
}

/** 98: laan's status and the messages it supports. */
export interface AcsStatusResponse extends WithInstitution, WithScreen {
  type: 'acs-status'
  onlineStatus: boolean
  checkinOk: boolean
  checkoutOk: boolean
  acsRenewalPolicy: boolean
  statusUpdateOk: boolean
  offlineOk: boolean
  /** In tenths of a second, 000–999. */
  timeoutPeriod: number
  retriesAllowed: number
  dateTimeSync: Date | null
  protocolVersion: string
  /** AM */
  libraryName?: string
  /** BX */
  supportedMessages: Sip2SupportedMessages
  /** AN */
  terminalLocation?: string
}

/** 24 */
export interface PatronStatusResponse extends WithInstitution, WithScreen {
  type: 'patron-status-response'
  patronStatus: Sip2PatronStatus
  language: string
  transactionDate: Date | null
  patronIdentifier: string
  /** AE */
  personalName: string
  /** BL */
  validPatron?: boolean
  /** CQ */
  validPatronPassword?: boolean
  /** BH, `DKK` */
  currencyType?: string
  /** BV, in øre. */
  feeAmount?: Ore
}

/** 64: patron information with counts and the item list asked for. */
export interface PatronInformationResponse extends WithInstitution, WithScreen {
  type: 'patron-information-response'
  patronStatus: Sip2PatronStatus
  language: string
  transactionDate: Date | null
  holdItemsCount: number
  overdueItemsCount: number
  chargedItemsCount: number
  fineItemsCount: number
  recallItemsCount: number
  unavailableHoldsCount: number
  patronIdentifier: string
  personalName: string
  /** BZ */
  holdItemsLimit?: number
  /** CA */
  overdueItemsLimit?: number
  /** CB */
  chargedItemsLimit?: number
  validPatron?: boolean
  validPatronPassword?: boolean
  currencyType?: string
  feeAmount?: Ore
  /** CC, in øre. */
  feeLimit?: Ore
  /** AS (in the FBS dialect: fbsHoldReadyItem) */
  holdItems?: string[]
  /** AT (fbsOverdueItem) */
  overdueItems?: string[]
  /** AU (fbsChargedItem) */
  chargedItems?: string[]
  /** AV (fbsFineItem) */
  fineItems?: string[]
  /** BU (fbsRecalledItem) */
  recallItems?: string[]
  /** CD (fbsHoldPendingItem) */
  unavailableHoldItems?: string[]
  /** BD (fbsHomeAddress) */
  homeAddress?: string
  /** BE */
  emailAddress?: string
  /** BF */
  homePhoneNumber?: string
}

interface ItemTransactionFields extends WithInstitution, WithScreen {
  ok: boolean
  renewalOk: boolean
  magneticMedia: YesNoUnknown
  desensitize: YesNoUnknown
  transactionDate: Date | null
  patronIdentifier: string
  itemIdentifier: string
  /** AJ */
  titleIdentifier: string
  /** AH */
  dueDate?: Date
  /** BT */
  feeType?: string
  /** CI */
  securityInhibit?: boolean
  currencyType?: string
  feeAmount?: Ore
  /** CK */
  mediaType?: string
  /** CH (fbsItemProperties) */
  itemProperties?: string
  /** BK */
  transactionId?: string
}

/** 12 */
export interface CheckoutResponse extends ItemTransactionFields {
  type: 'checkout-response'
}

/** 30 */
export interface RenewResponse extends ItemTransactionFields {
  type: 'renew-response'
}

/** 10 */
export interface CheckinResponse extends WithInstitution, WithScreen {
  type: 'checkin-response'
  ok: boolean
  resensitize: YesNoUnknown
  magneticMedia: YesNoUnknown
  /** Y when the item must not go back to the shelf: reserved (hold shelf) or to be sent elsewhere. */
  alert: boolean
  transactionDate: Date | null
  itemIdentifier: string
  /** AQ */
  permanentLocation: string
  titleIdentifier?: string
  /** CL */
  sortBin?: string
  patronIdentifier?: string
  mediaType?: string
  itemProperties?: string
}

/** 66 */
export interface RenewAllResponse extends WithInstitution, WithScreen {
  type: 'renew-all-response'
  ok: boolean
  renewedCount: number
  unrenewedCount: number
  transactionDate: Date | null
  /** BM (fbsRenewedItem) */
  renewedItems?: string[]
  /** BN (fbsUnrenewedItem) */
  unrenewedItems?: string[]
}

/** 18 */
export interface ItemInformationResponse extends WithScreen {
  type: 'item-information-response'
  circulationStatus: string
  securityMarker: string
  feeType: string
  transactionDate: Date | null
  /** CF */
  holdQueueLength?: number
  dueDate?: Date
  /** CJ */
  recallDate?: Date
  /** CM */
  holdPickupDate?: Date
  itemIdentifier: string
  titleIdentifier: string
  /** BG */
  owner?: string
  currencyType?: string
  feeAmount?: Ore
  mediaType?: string
  permanentLocation?: string
  /** AP */
  currentLocation?: string
  itemProperties?: string
}

/** 16 */
export interface HoldResponse extends WithInstitution, WithScreen {
  type: 'hold-response'
  ok: boolean
  available: boolean
  transactionDate: Date | null
  expirationDate?: Date
  /** BR */
  queuePosition?: number
  pickupLocation?: string
  patronIdentifier: string
  itemIdentifier?: string
  titleIdentifier?: string
}

/** 38 */
export interface FeePaidResponse extends WithInstitution, WithScreen {
  type: 'fee-paid-response'
  paymentAccepted: boolean
  transactionDate: Date | null
  patronIdentifier: string
  transactionId?: string
}

/** 36 */
export interface EndSessionResponse extends WithInstitution, WithScreen {
  type: 'end-session-response'
  endSession: boolean
  transactionDate: Date | null
  patronIdentifier: string
}

/** 96: the request was not understood (bad checksum, too short, unknown); send it again. */
export interface RequestScResendResponse {
  type: 'request-sc-resend'
}

export type Sip2Response =
  | LoginResponse
  | AcsStatusResponse
  | PatronStatusResponse
  | PatronInformationResponse
  | CheckoutResponse
  | CheckinResponse
  | RenewResponse
  | RenewAllResponse
  | ItemInformationResponse
  | HoldResponse
  | FeePaidResponse
  | EndSessionResponse
  | RequestScResendResponse

// ---------------------------------------------------------------------------------------------------
// Layouts (SIP2 2.00)

const date = (key: string): FixedSpec => ({ key, kind: 'date' })
const code = (key: string, length: number): FixedSpec => ({ key, kind: 'code', length })
const fixed = (key: string, kind: FixedSpec['kind']): FixedSpec => ({ key, kind })
const req = (fieldCode: string, key: string): FieldSpec => ({
  code: fieldCode,
  key,
  kind: 'text',
  required: true,
})
const opt = (fieldCode: string, key: string, kind: FieldSpec['kind'] = 'text'): FieldSpec => ({
  code: fieldCode,
  key,
  kind,
})

const AO = req('AO', 'institutionId')
const AA = req('AA', 'patronIdentifier')
const AB = req('AB', 'itemIdentifier')
const AC = opt('AC', 'terminalPassword')
const AD = opt('AD', 'patronPassword')
const AF = opt('AF', 'screenMessage', 'list')
const AG = opt('AG', 'printLine', 'list')
const BO = opt('BO', 'feeAcknowledged', 'yn')
const CH = opt('CH', 'itemProperties')
const BH = opt('BH', 'currencyType')
const BV = opt('BV', 'feeAmount', 'amount')
const CK = opt('CK', 'mediaType')
const AH = opt('AH', 'dueDate', 'date')

export const REQUEST_SPECS: readonly MessageSpec[] = [
  {
    command: '93',
    type: 'login',
    fixed: [fixed('uidAlgorithm', 'char'), fixed('pwdAlgorithm', 'char')],
    fields: [req('CN', 'loginUserId'), req('CO', 'loginPassword'), opt('CP', 'locationCode')],
  },
  {
    command: '99',
    type: 'sc-status',
    fixed: [fixed('statusCode', 'char'), fixed('maxPrintWidth', 'num3'), code('protocolVersion', 4)],
    fields: [],
  },
  {
    command: '23',
    type: 'patron-status',
    fixed: [code('language', 3), date('transactionDate')],
    fields: [AO, AA, AC, AD],
  },
  {
    command: '63',
    type: 'patron-information',
    fixed: [code('language', 3), date('transactionDate'), fixed('summary', 'summary')],
    fields: [AO, AA, AC, AD, opt('BP', 'startItem', 'int'), opt('BQ', 'endItem', 'int')],
  },
  {
    command: '11',
    type: 'checkout',
    fixed: [
      fixed('scRenewalPolicy', 'yn'),
      fixed('noBlock', 'yn'),
      date('transactionDate'),
      date('nbDueDate'),
    ],
    fields: [AO, AA, AB, AC, CH, AD, BO, opt('BI', 'cancel', 'yn')],
  },
  {
    command: '09',
    type: 'checkin',
    fixed: [fixed('noBlock', 'yn'), date('transactionDate'), date('returnDate')],
    fields: [req('AP', 'currentLocation'), AO, AB, AC, CH, opt('BI', 'cancel', 'yn')],
  },
  {
    command: '29',
    type: 'renew',
    fixed: [
      fixed('thirdPartyAllowed', 'yn'),
      fixed('noBlock', 'yn'),
      date('transactionDate'),
      date('nbDueDate'),
    ],
    fields: [AO, AA, AD, opt('AB', 'itemIdentifier'), opt('AJ', 'titleIdentifier'), AC, CH, BO],
  },
  {
    command: '65',
    type: 'renew-all',
    fixed: [date('transactionDate')],
    fields: [AO, AA, AD, AC, BO],
  },
  {
    command: '17',
    type: 'item-information',
    fixed: [date('transactionDate')],
    fields: [AO, AB, AC],
  },
  {
    command: '15',
    type: 'hold',
    fixed: [fixed('holdMode', 'char'), date('transactionDate')],
    fields: [
      opt('BW', 'expirationDate', 'date'),
      opt('BS', 'pickupLocation'),
      opt('BY', 'holdType'),
      AO,
      AA,
      AD,
      opt('AB', 'itemIdentifier'),
      opt('AJ', 'titleIdentifier'),
      AC,
      BO,
    ],
  },
  {
    command: '37',
    type: 'fee-paid',
    fixed: [date('transactionDate'), code('feeType', 2), code('paymentType', 2), code('currencyType', 3)],
    fields: [BV, AO, AA, AC, AD, opt('CG', 'feeIdentifier'), opt('BK', 'transactionId')],
  },
  {
    command: '35',
    type: 'end-patron-session',
    fixed: [date('transactionDate')],
    fields: [AO, AA, AC, AD],
  },
  {
    command: '01',
    type: 'block-patron',
    fixed: [fixed('cardRetained', 'yn'), date('transactionDate')],
    fields: [AO, req('AL', 'blockedCardMessage'), AA, AC],
  },
  { command: '97', type: 'request-resend', fixed: [], fields: [] },
]

// The fixed part of 12 (checkout) and 30 (renew) answers: the same layout.
const itemTransactionFixed = [
  fixed('ok', 'bit'),
  fixed('renewalOk', 'yn'),
  fixed('magneticMedia', 'ynu'),
  fixed('desensitize', 'ynu'),
  date('transactionDate'),
]

const itemTransactionFields: readonly FieldSpec[] = [
  AO,
  AA,
  AB,
  req('AJ', 'titleIdentifier'),
  AH,
  opt('BT', 'feeType'),
  opt('CI', 'securityInhibit', 'yn'),
  BH,
  BV,
  CK,
  CH,
  opt('BK', 'transactionId'),
  AF,
  AG,
]

export const RESPONSE_SPECS: readonly MessageSpec[] = [
  { command: '94', type: 'login-response', fixed: [fixed('ok', 'bit')], fields: [] },
  {
    command: '98',
    type: 'acs-status',
    fixed: [
      fixed('onlineStatus', 'yn'),
      fixed('checkinOk', 'yn'),
      fixed('checkoutOk', 'yn'),
      fixed('acsRenewalPolicy', 'yn'),
      fixed('statusUpdateOk', 'yn'),
      fixed('offlineOk', 'yn'),
      fixed('timeoutPeriod', 'num3'),
      fixed('retriesAllowed', 'num3'),
      date('dateTimeSync'),
      code('protocolVersion', 4),
    ],
    fields: [
      AO,
      opt('AM', 'libraryName'),
      { code: 'BX', key: 'supportedMessages', kind: 'supported', required: true },
      opt('AN', 'terminalLocation'),
      AF,
      AG,
    ],
  },
  {
    command: '24',
    type: 'patron-status-response',
    fixed: [fixed('patronStatus', 'patron-status'), code('language', 3), date('transactionDate')],
    fields: [
      AO,
      AA,
      req('AE', 'personalName'),
      opt('BL', 'validPatron', 'yn'),
      opt('CQ', 'validPatronPassword', 'yn'),
      BH,
      BV,
      AF,
      AG,
    ],
  },
  {
    command: '64',
    type: 'patron-information-response',
    fixed: [
      fixed('patronStatus', 'patron-status'),
      code('language', 3),
      date('transactionDate'),
      fixed('holdItemsCount', 'count'),
      fixed('overdueItemsCount', 'count'),
      fixed('chargedItemsCount', 'count'),
      fixed('fineItemsCount', 'count'),
      fixed('recallItemsCount', 'count'),
      fixed('unavailableHoldsCount', 'count'),
    ],
    fields: [
      AO,
      AA,
      req('AE', 'personalName'),
      opt('BZ', 'holdItemsLimit', 'int'),
      opt('CA', 'overdueItemsLimit', 'int'),
      opt('CB', 'chargedItemsLimit', 'int'),
      opt('BL', 'validPatron', 'yn'),
      opt('CQ', 'validPatronPassword', 'yn'),
      BH,
      BV,
      opt('CC', 'feeLimit', 'amount'),
      opt('AS', 'holdItems', 'list'),
      opt('AT', 'overdueItems', 'list'),
      opt('AU', 'chargedItems', 'list'),
      opt('AV', 'fineItems', 'list'),
      opt('BU', 'recallItems', 'list'),
      opt('CD', 'unavailableHoldItems', 'list'),
      opt('BD', 'homeAddress'),
      opt('BE', 'emailAddress'),
      opt('BF', 'homePhoneNumber'),
      AF,
      AG,
    ],
  },
  {
    command: '12',
    type: 'checkout-response',
    fixed: itemTransactionFixed,
    fields: itemTransactionFields,
  },
  {
    command: '10',
    type: 'checkin-response',
    fixed: [
      fixed('ok', 'bit'),
      fixed('resensitize', 'ynu'),
      fixed('magneticMedia', 'ynu'),
      fixed('alert', 'yn'),
      date('transactionDate'),
    ],
    fields: [
      AO,
      AB,
      req('AQ', 'permanentLocation'),
      opt('AJ', 'titleIdentifier'),
      opt('CL', 'sortBin'),
      opt('AA', 'patronIdentifier'),
      CK,
      CH,
      AF,
      AG,
    ],
  },
  {
    command: '30',
    type: 'renew-response',
    fixed: itemTransactionFixed,
    fields: itemTransactionFields,
  },
  {
    command: '66',
    type: 'renew-all-response',
    fixed: [
      fixed('ok', 'bit'),
      fixed('renewedCount', 'count'),
      fixed('unrenewedCount', 'count'),
      date('transactionDate'),
    ],
    fields: [AO, opt('BM', 'renewedItems', 'list'), opt('BN', 'unrenewedItems', 'list'), AF, AG],
  },
  {
    command: '18',
    type: 'item-information-response',
    fixed: [
      code('circulationStatus', 2),
      code('securityMarker', 2),
      code('feeType', 2),
      date('transactionDate'),
    ],
    fields: [
      opt('CF', 'holdQueueLength', 'int'),
      AH,
      opt('CJ', 'recallDate', 'date'),
      opt('CM', 'holdPickupDate', 'date'),
      AB,
      req('AJ', 'titleIdentifier'),
      opt('BG', 'owner'),
      BH,
      BV,
      CK,
      opt('AQ', 'permanentLocation'),
      opt('AP', 'currentLocation'),
      CH,
      AF,
      AG,
    ],
  },
  {
    command: '16',
    type: 'hold-response',
    fixed: [fixed('ok', 'bit'), fixed('available', 'yn'), date('transactionDate')],
    fields: [
      opt('BW', 'expirationDate', 'date'),
      opt('BR', 'queuePosition', 'int'),
      opt('BS', 'pickupLocation'),
      AO,
      AA,
      opt('AB', 'itemIdentifier'),
      opt('AJ', 'titleIdentifier'),
      AF,
      AG,
    ],
  },
  {
    command: '38',
    type: 'fee-paid-response',
    fixed: [fixed('paymentAccepted', 'yn'), date('transactionDate')],
    fields: [AO, AA, opt('BK', 'transactionId'), AF, AG],
  },
  {
    command: '36',
    type: 'end-session-response',
    fixed: [fixed('endSession', 'yn'), date('transactionDate')],
    fields: [AO, AA, AF, AG],
  },
  { command: '96', type: 'request-sc-resend', fixed: [], fields: [] },
]

const requestByCommand = new Map(REQUEST_SPECS.map((spec) => [spec.command, spec]))
const requestByType = new Map(REQUEST_SPECS.map((spec) => [spec.type, spec]))
const responseByCommand = new Map(RESPONSE_SPECS.map((spec) => [spec.command, spec]))
const responseByType = new Map(RESPONSE_SPECS.map((spec) => [spec.type, spec]))

/** The command (two digits) of a request or response type: `checkout` → `11`. */
export function sip2CommandOf(type: Sip2Request['type'] | Sip2Response['type']): string {
  return (requestByType.get(type) ?? responseByType.get(type))?.command ?? ''
}

// ---------------------------------------------------------------------------------------------------
// Reading

/** The sequence number (AY) and whether a checksum (AZ) came with a message; null when neither did. */
export interface Sip2ErrorDetection {
  /** The AY digit(s), echoed in the response; null when only AZ came. */
  sequence: number | null
  checksum: boolean
}

export type Sip2ParseFailureReason = 'empty' | 'unknown-command' | 'short-fixed-part' | 'bad-checksum'

export type Sip2ParseResult<M> =
  | {
      ok: true
      message: M
      errorDetection: Sip2ErrorDetection | null
      /** The encoding the message came in (bytes) or is assumed to be in (string): answer in it. */
      encoding: Sip2Encoding
      /** Variable fields this message type does not define, by code, every occurrence. */
      extraFields: Record<string, string[]>
    }
  | {
      ok: false
      reason: Sip2ParseFailureReason
      /** For logs (never holds the message's values). */
      detail: string
      /** The two-character command, when there was one. */
      command?: string
    }

const ERROR_DETECTION = /AY(\d+)AZ([0-9A-Fa-f]{4})$/
const CHECKSUM_ONLY = /AZ([0-9A-Fa-f]{4})$/
// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what is removed
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/g

function isTerminator(byte: number): boolean {
  return byte === 0x0d || byte === 0x0a || byte === 0x00
}

/** Bytes without a leading LF (the rest of the last CRLF) and without the CR/LF terminator. */
function trimFrameBytes(bytes: Uint8Array): Uint8Array {
  let start = 0
  let end = bytes.length
  while (start < end && isTerminator(bytes[start] ?? 0)) start++
  while (end > start && isTerminator(bytes[end - 1] ?? 0)) end--
  return bytes.subarray(start, end)
}

function parseWith<M>(input: string | Uint8Array, specs: Map<string, MessageSpec>): Sip2ParseResult<M> {
  let text: string
  let encoding: Sip2Encoding = 'utf8'
  let checksumOk: boolean
  if (typeof input === 'string') {
    text = input.replace(/^[\r\n\0]+|[\r\n\0]+$/g, '')
    checksumOk = verifySip2Checksum(text)
  } else {
    const bytes = trimFrameBytes(input)
    const decoded = decodeSip2Bytes(bytes)
    text = decoded.text
    encoding = decoded.encoding
    checksumOk = verifySip2Checksum(bytes)
  }
  if (text.length < 2) return { ok: false, reason: 'empty', detail: `message of ${text.length} characters` }
  const command = text.slice(0, 2)
  if (!checksumOk) return { ok: false, reason: 'bad-checksum', detail: 'checksum does not match', command }
  const spec = specs.get(command)
  if (!spec) {
    return { ok: false, reason: 'unknown-command', detail: `unknown command ${JSON.stringify(command)}` }
  }
  let errorDetection: Sip2ErrorDetection | null = null
  let body = text.slice(2)
  const full = ERROR_DETECTION.exec(body)
  const only = full ? null : CHECKSUM_ONLY.exec(body)
  if (full) {
    errorDetection = { sequence: Number((full[1] ?? '0').slice(-1)), checksum: true }
    body = body.slice(0, full.index)
  } else if (only) {
    errorDetection = { sequence: null, checksum: true }
    body = body.slice(0, only.index)
  }
  // A control character (NUL …) is never part of a SIP2 value: it becomes U+FFFD, so an identifier with one
  // is unknown rather than a database error, and never another patron's.
  const decoded = decodeBody(spec, body.replace(CONTROL_CHARACTERS, '\ufffd'))
  if (!decoded) {
    return {
      ok: false,
      reason: 'short-fixed-part',
      detail: `fixed part of ${body.length} characters, ${fixedPartLength(spec)} needed`,
      command,
    }
  }
  if (decoded.sequence !== null && errorDetection === null) {
    errorDetection = { sequence: decoded.sequence, checksum: false }
  }
  return {
    ok: true,
    message: decoded.values as M,
    errorDetection,
    encoding,
    extraFields: decoded.extraFields,
  }
}

/**
 * Read a request from a machine: the bytes as received (preferred: the checksum is then verified over
 * exactly those bytes, and the encoding detected) or a decoded string. With or without the terminator.
 * Never throws; `{ ok: false }` is to be answered with `96`.
 */
export function parseSip2Request(input: string | Uint8Array): Sip2ParseResult<Sip2Request> {
  return parseWith<Sip2Request>(input, requestByCommand)
}

/** Read a response (for test clients). */
export function parseSip2Response(input: string | Uint8Array): Sip2ParseResult<Sip2Response> {
  return parseWith<Sip2Response>(input, responseByCommand)
}

// ---------------------------------------------------------------------------------------------------
// Writing

export interface Sip2FormatOptions {
  /** The request's error detection, to echo: AY when it had a sequence number, AZ when it had a checksum. */
  errorDetection?: Sip2ErrorDetection | null
  /** The encoding the message will be sent in (the checksum is over those bytes). Default UTF-8. */
  encoding?: Sip2Encoding
}

/** A message body with the request's error detection appended (AY sequence, AZ checksum). */
export function finishSip2Message(message: string, options: Sip2FormatOptions): string {
  const detection = options.errorDetection
  if (!detection) return message
  if (detection.sequence !== null) {
    return appendErrorDetection(message, detection.sequence, detection.checksum, options.encoding ?? 'utf8')
  }
  return detection.checksum ? appendChecksumOnly(message, options.encoding ?? 'utf8') : message
}

/** A response as SIP2 text, without the terminator (see sip2Frame). */
export function formatSip2Response(response: Sip2Response, options: Sip2FormatOptions = {}): string {
  const spec = responseByType.get(response.type)
  if (!spec) return finishSip2Message('96', options)
  return finishSip2Message(encodeBody(spec, response as unknown as Record<string, unknown>), options)
}

/** A request as SIP2 text (for test clients), without the terminator. */
export function formatSip2Request(request: Sip2Request, options: Sip2FormatOptions = {}): string {
  const spec = requestByType.get(request.type)
  if (!spec) return finishSip2Message('97', options)
  return finishSip2Message(encodeBody(spec, request as unknown as Record<string, unknown>), options)
}

/** The bytes to send: the message in its encoding and a CR. */
export function sip2Frame(message: string, encoding: Sip2Encoding = 'utf8'): Uint8Array {
  return encodeSip2(`${message}\r`, encoding)
}
