import { type TSchema, Type } from '@sinclair/typebox'

/** The body of every error answer: a code, and the message in Danish and English. */
export const ErrorBody = Type.Object(
  {
    error: Type.String({
      description: 'refusal or error code, e.g. not-available, validation, unauthorized',
    }),
    message: Type.Object({ da: Type.String(), en: Type.String() }),
    field: Type.Optional(Type.String({ description: 'the request field at fault (validation errors)' })),
  },
  { $id: 'ErrorBody', title: 'Error' },
)

const errorRef = Type.Ref('ErrorBody')

/** The error answers every /api route can give, for the OpenAPI document and serialisation. */
export const errorResponses = {
  400: errorRef,
  401: errorRef,
  403: errorRef,
  404: errorRef,
  409: errorRef,
  500: errorRef,
}

export function responses<T extends Record<number, TSchema>>(ok: T) {
  return { ...errorResponses, ...ok }
}

export const LocalDateString = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD' })
export const Instant = Type.String({ description: 'ISO 8601 with the Copenhagen offset' })
export const Ore = Type.Integer({ description: 'øre (1 kr = 100 øre)' })

export const MunicipalityParams = Type.Object({
  municipality: Type.String({ description: 'kobenhavn, gentofte, naestved', minLength: 1 }),
})

export const PatronParams = Type.Object({
  municipality: Type.String({ minLength: 1 }),
  patron: Type.String({ minLength: 1, description: 'card or CPR number' }),
})

export const ItemParams = Type.Object({
  municipality: Type.String({ minLength: 1 }),
  item: Type.String({ minLength: 1, description: 'barcode' }),
})

export const ChargeView = Type.Object({
  id: Type.Integer(),
  kind: Type.String({ description: 'overdue-fee, replacement, processing-fee, …' }),
  amount: Ore,
  paid: Ore,
  open: Type.Integer({ description: 'what is still owed on the charge, øre' }),
  status: Type.String({ description: 'open, paid, cancelled, refunded' }),
  date: LocalDateString,
  item: Type.Union([Type.String(), Type.Null()]),
  dueDate: Type.Union([LocalDateString, Type.Null()]),
  daysOverdue: Type.Union([Type.Integer(), Type.Null()]),
  rule: Type.String(),
  policyVersion: Type.Integer(),
  explanation: Type.String({ description: 'why the charge exists, in Danish' }),
})

export const LoanView = Type.Object({
  id: Type.Integer(),
  item: Type.String({ description: 'barcode' }),
  title: Type.String(),
  materialType: Type.String(),
  patron: Type.String({ description: 'card number' }),
  checkedOutAt: Instant,
  dueDate: LocalDateString,
  renewals: Type.Integer(),
  returnedAt: Type.Union([Instant, Type.Null()]),
  lostOn: Type.Union([LocalDateString, Type.Null()]),
  status: Type.String({ description: 'active, returned, lost' }),
})

export const ReservationView = Type.Object({
  id: Type.Integer(),
  title: Type.String(),
  status: Type.String({ description: 'waiting, held, fulfilled, cancelled' }),
  createdAt: Instant,
  heldItem: Type.Union([Type.String({ description: 'barcode of the copy on the hold shelf' }), Type.Null()]),
  heldAt: Type.Union([Instant, Type.Null()]),
})
