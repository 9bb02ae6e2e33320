import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { apiActor } from '../audit/audit-log.ts'
import { ApiError } from '../http/api-error.ts'
import type { RouteOptions } from '../http/app.ts'
import { Instant, LocalDateString, Ore, responses } from '../http/schemas.ts'
import { cprOf } from '../patrons/cpr-vault.ts'
import { ValidationError } from '../shared/errors.ts'
import { formatLocalInstant, localDateOf } from '../shared/time.ts'
import { importBankFile } from './bank-import.ts'
import { claimViews, findDebtor, overviewOf } from './claim-queries.ts'
import { createTestPaymentProvider } from './payment-provider.ts'
import { auditReceipt } from './receipt-audit.ts'
import { PAYMENT_CHANNELS } from './receivables-policy.ts'
import { ReceivablesRefusal } from './receivables-refusal.ts'
import { reconcile } from './reconciliation.ts'

const Params = Type.Object({ municipality: Type.String({ minLength: 1 }) })
const CitizenParams = Type.Object({
  municipality: Type.String({ minLength: 1 }),
  citizen: Type.String({ minLength: 1, description: 'library card number or CPR number' }),
})
const ClaimParams = Type.Object({
  municipality: Type.String({ minLength: 1 }),
  claim: Type.String({
    minLength: 1,
    description: 'payment ID (15 digits, or the whole +71 line) or claim number',
  }),
})
const LegalKind = Type.Union([Type.Literal('public'), Type.Literal('civil')])
const Channel = Type.Union(PAYMENT_CHANNELS.map((c) => Type.Literal(c)))

const Contact = Type.Object({
  about: Type.String({ description: 'payment, reason or complaint' }),
  who: Type.String(),
  phone: Type.Union([Type.String(), Type.Null()]),
  web: Type.Union([Type.String(), Type.Null()]),
})

const ClaimView = Type.Object({
  id: Type.Integer(),
  paymentId: Type.String(),
  paymentLine: Type.String({ description: 'the FIK line, +71<payment ID+creditor<' }),
  issuer: Type.Object({
    code: Type.String(),
    name: Type.String(),
    phone: Type.Union([Type.String(), Type.Null()]),
  }),
  legalKind: LegalKind,
  title: Type.String(),
  amount: Ore,
  paid: Ore,
  open: Ore,
  date: LocalDateString,
  deadline: Type.Union([LocalDateString, Type.Null()]),
  status: Type.String({ description: 'held, open, paid, cancelled, transferred' }),
  holdReason: Type.Union([Type.String(), Type.Null()]),
  lines: Type.Array(
    Type.Object({
      id: Type.Integer(),
      kind: Type.String(),
      text: Type.String(),
      amount: Ore,
      paid: Ore,
      status: Type.String(),
    }),
  ),
  bills: Type.Array(
    Type.Object({
      kind: Type.String(),
      letterNumber: Type.Integer(),
      date: LocalDateString,
      channel: Type.String(),
      amount: Ore,
      fee: Ore,
      deadline: LocalDateString,
    }),
  ),
  history: Type.Array(
    Type.Object({ at: Instant, kind: Type.String(), detail: Type.Record(Type.String(), Type.Unknown()) }),
  ),
  contacts: Type.Array(Contact),
})

const PaymentOutcome = Type.Object({
  receiptId: Type.Integer(),
  status: Type.String({ description: 'applied, unmatched (kept for manual matching) or duplicate' }),
  applied: Ore,
  credit: Type.Integer({ description: 'øre left over, paid out to NemKonto' }),
})

/** Mit Betalingsoverblik: the citizen's overview and payments, other issuers' claims, and the finance office. */
export const receivablesRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { services }) => {
  const { db, receivables, receivablesCatalog, claimActions, cprVault } = services
  const provider = createTestPaymentProvider()
  const policyNow = (municipality: string) =>
    receivablesCatalog.inForce(municipality, localDateOf(services.clock.now()))

  app.addHook('onRequest', async (request) => {
    const { municipality } = request.params as { municipality?: string }
    if (municipality === undefined || !receivablesCatalog.has(municipality)) {
      throw new ApiError(
        404,
        'unknown-municipality',
        `Kommunen "${municipality ?? ''}" har ingen opkrævning i laan.`,
        `No receivables for municipality: ${municipality ?? ''}.`,
      )
    }
  })
  app.addContentTypeParser(['application/xml', 'text/xml'], { parseAs: 'string' }, (_request, body, done) =>
    done(null, body),
  )

  app.get(
    '/citizens/:citizen/overview',
    {
      schema: {
        tags: ['receivables'],
        summary:
          "A citizen's payment overview: every claim from every issuer, with payment ID, deadline and whom to ask",
        params: CitizenParams,
        response: responses({
          200: Type.Object({
            debtor: Type.Object({ name: Type.String(), digitalPost: Type.Boolean() }),
            open: Ore,
            credit: Type.Integer({
              description: 'øre the municipality owes the citizen, paid out to NemKonto',
            }),
            claims: Type.Array(ClaimView),
            payouts: Type.Array(
              Type.Object({
                amount: Ore,
                reason: Type.String(),
                createdOn: LocalDateString,
                dueOn: LocalDateString,
                status: Type.String(),
                paidOutOn: Type.Union([LocalDateString, Type.Null()]),
              }),
            ),
          }),
        }),
      },
    },
    async (request) => {
      const { municipality, citizen } = request.params
      const debtor = await findDebtor(db, cprVault, municipality, citizen)
      if (!debtor) {
        return { debtor: { name: citizen, digitalPost: true }, open: 0, credit: 0, claims: [], payouts: [] }
      }
      return overviewOf(db, policyNow(municipality), debtor)
    },
  )

  app.get(
    '/claims/:claim',
    {
      schema: {
        tags: ['receivables'],
        summary: 'One claim with its lines, bills, dunning letters and history',
        params: ClaimParams,
        response: responses({ 200: ClaimView }),
      },
    },
    async (request) => {
      const { municipality, claim } = request.params
      const row = await receivables.findClaim(db, municipality, claim)
      if (!row) throw new ReceivablesRefusal('unknown-claim')
      const [view] = await claimViews(db, policyNow(municipality), [row])
      return view as NonNullable<typeof view>
    },
  )

  app.post(
    '/claims',
    {
      schema: {
        tags: ['receivables'],
        summary: 'Another issuer of the municipality (daycare, parking …) posts a claim on a citizen',
        params: Params,
        body: Type.Object(
          {
            issuer: Type.String({ minLength: 1, description: 'issuer code, e.g. parkering' }),
            debtor: Type.Object(
              {
                cpr: Type.String({ pattern: '^\\d{6}-?\\d{4}$' }),
                name: Type.String({ minLength: 1 }),
                digitalPost: Type.Optional(Type.Boolean()),
              },
              { additionalProperties: false },
            ),
            legalKind: LegalKind,
            title: Type.String({ minLength: 1 }),
            lines: Type.Array(
              Type.Object(
                { text: Type.String({ minLength: 1 }), amount: Type.Integer({ minimum: 1 }) },
                { additionalProperties: false },
              ),
              { minItems: 1 },
            ),
            externalRef: Type.Optional(
              Type.String({
                minLength: 1,
                description: "the issuer's own id; posting twice returns the same claim",
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: responses({ 201: ClaimView }),
      },
    },
    async (request, reply) => {
      const { municipality } = request.params
      const body = request.body
      const view = await db.transaction().execute(async (trx) => {
        const claim = await receivables.postClaim(trx, {
          municipality,
          issuer: body.issuer,
          debtor: {
            cpr: body.debtor.cpr.replace('-', ''),
            name: body.debtor.name,
            digitalPost: body.debtor.digitalPost,
          },
          legalKind: body.legalKind,
          title: body.title,
          lines: body.lines,
          externalRef: body.externalRef,
        })
        const [created] = await claimViews(trx, policyNow(municipality), [claim])
        return created as NonNullable<typeof created>
      })
      return reply.status(201).send(view)
    },
  )

  app.post(
    '/claims/:claim/payments',
    {
      schema: {
        tags: ['receivables'],
        summary:
          'A payment on a claim: netbank or bank with the payment ID, Borgerservice in person (staff), Betalingsservice',
        params: ClaimParams,
        body: Type.Object(
          { amount: Type.Integer({ minimum: 1, description: 'øre' }), channel: Channel },
          { additionalProperties: false },
        ),
        response: responses({ 201: PaymentOutcome }),
      },
    },
    async (request, reply) => {
      const { municipality, claim } = request.params
      const result = await db.transaction().execute(async (trx) => {
        const found = await receivables.findClaim(trx, municipality, claim)
        if (!found) throw new ReceivablesRefusal('unknown-claim')
        const outcome = await receivables.payClaim(trx, {
          municipality,
          reference: found.paymentId,
          ...request.body,
        })
        if (outcome.status !== 'duplicate') {
          await auditReceipt(trx, apiActor(request.apiCaller), 'payment-recorded', outcome.receiptId)
        }
        return outcome
      })
      return reply.status(201).send(result)
    },
  )

  app.post(
    '/claims/:claim/online-payments',
    {
      schema: {
        tags: ['receivables'],
        summary:
          'Pay a claim online in Mit Betalingsoverblik with a card or MobilePay, through the payment provider',
        params: ClaimParams,
        body: Type.Object(
          {
            method: Type.Union([Type.Literal('card'), Type.Literal('mobilepay')]),
            amount: Type.Optional(Type.Integer({ minimum: 1, description: 'øre; by default what is open' })),
            token: Type.String({
              minLength: 1,
              description: "the provider's payment token (test provider: any; 'declined' is refused)",
            }),
          },
          { additionalProperties: false },
        ),
        response: responses({ 201: PaymentOutcome }),
      },
    },
    async (request, reply) => {
      const { municipality, claim } = request.params
      const { method, token } = request.body
      const found = await receivables.findClaim(db, municipality, claim)
      if (!found) throw new ReceivablesRefusal('unknown-claim')
      const amount = request.body.amount ?? found.amount - found.paid
      if (amount <= 0) throw new ReceivablesRefusal('claim-closed')
      const charged = await provider.charge({
        amount,
        method,
        token,
        reference: found.paymentId,
        description: found.title,
      })
      if (charged.status === 'declined') {
        throw new ApiError(
          402,
          'payment-declined',
          `Betalingen blev ikke gennemført: ${charged.reason}`,
          'The payment was declined.',
        )
      }
      const result = await db.transaction().execute((trx) =>
        receivables.payClaim(trx, {
          municipality,
          reference: found.paymentId,
          amount,
          channel: method === 'card' ? 'mbo-card' : 'mobilepay',
          externalRef: charged.providerRef,
        }),
      )
      return reply.status(201).send(result)
    },
  )

  const ClaimResult = Type.Object({ claim: ClaimView })
  const claimResult = async (municipality: string, reference: string) => {
    const row = await receivables.findClaim(db, municipality, reference)
    if (!row) throw new ReceivablesRefusal('unknown-claim')
    const [view] = await claimViews(db, policyNow(municipality), [row])
    return { claim: view as NonNullable<typeof view> }
  }

  app.post(
    '/claims/:claim/instalment-plan',
    {
      schema: {
        tags: ['receivables'],
        summary:
          'Apply for an instalment plan: monthly instalments, each with its own deadline and payment ID',
        params: ClaimParams,
        body: Type.Object({ months: Type.Integer({ minimum: 2 }) }, { additionalProperties: false }),
        response: responses({
          201: Type.Object({
            instalments: Type.Array(
              Type.Object({
                plan: Type.String(),
                number: Type.Integer(),
                amount: Ore,
                paid: Ore,
                deadline: LocalDateString,
                paymentId: Type.String(),
              }),
            ),
          }),
        }),
      },
    },
    async (request, reply) => {
      const { municipality, claim } = request.params
      const instalments = await db
        .transaction()
        .execute((trx) =>
          claimActions.applyForInstalments(trx, { municipality, claim, months: request.body.months }),
        )
      return reply.status(201).send({ instalments })
    },
  )

  app.post(
    '/claims/:claim/deadline-extension',
    {
      schema: {
        tags: ['receivables'],
        summary: 'Ask for a later deadline, before the deadline passes (once)',
        params: ClaimParams,
        body: Type.Object({ days: Type.Integer({ minimum: 1 }) }, { additionalProperties: false }),
        response: responses({ 200: ClaimResult }),
      },
    },
    async (request) => {
      const { municipality, claim } = request.params
      await db
        .transaction()
        .execute((trx) => claimActions.extendDeadline(trx, { municipality, claim, days: request.body.days }))
      return claimResult(municipality, claim)
    },
  )

  app.post(
    '/claims/:claim/betalingsservice',
    {
      schema: {
        tags: ['receivables'],
        summary: 'Register the claim with Betalingsservice: it is collected on its deadline',
        params: ClaimParams,
        response: responses({ 200: ClaimResult }),
      },
    },
    async (request) => {
      const { municipality, claim } = request.params
      await db
        .transaction()
        .execute((trx) => claimActions.registerBetalingsservice(trx, { municipality, claim }))
      return claimResult(municipality, claim)
    },
  )

  const AppealView = Type.Object({
    id: Type.Integer(),
    claim: Type.Integer(),
    paymentId: Type.String(),
    filedAt: Instant,
    text: Type.String(),
    status: Type.String({ description: 'open, upheld, written-down, rejected' }),
    decision: Type.Union([Type.String(), Type.Null()]),
    writtenDown: Ore,
  })

  app.post(
    '/claims/:claim/appeals',
    {
      schema: {
        tags: ['receivables'],
        summary: 'Appeal a claim: it goes to the issuer as a case and does not suspend the deadline',
        params: ClaimParams,
        body: Type.Object({ text: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
        response: responses({ 201: Type.Object({ appeal: Type.Integer(), deadlineStands: Type.Boolean() }) }),
      },
    },
    async (request, reply) => {
      const { municipality, claim } = request.params
      const appeal = await db
        .transaction()
        .execute((trx) => claimActions.fileAppeal(trx, { municipality, claim, text: request.body.text }))
      return reply.status(201).send({ appeal: appeal.id, deadlineStands: true })
    },
  )

  app.get(
    '/appeals',
    {
      schema: {
        tags: ['receivables'],
        summary: 'Appeals waiting for a decision (the library handles its own)',
        params: Params,
        response: responses({ 200: Type.Array(AppealView) }),
      },
    },
    async (request) => {
      const rows = await db
        .selectFrom('appeals')
        .innerJoin('claims', 'claims.id', 'appeals.claimId')
        .selectAll('appeals')
        .select('claims.paymentId')
        .where('appeals.municipality', '=', request.params.municipality)
        .where('appeals.status', '=', 'open')
        .orderBy('appeals.id')
        .execute()
      return rows.map((a) => ({
        id: a.id,
        claim: a.claimId,
        paymentId: a.paymentId,
        filedAt: formatLocalInstant(a.filedAt),
        text: a.text,
        status: a.status,
        decision: a.decision,
        writtenDown: a.writtenDown,
      }))
    },
  )

  app.post(
    '/claims/:claim/appeal-decision',
    {
      schema: {
        tags: ['receivables'],
        summary:
          'Decide the open appeal: upheld cancels the claim, written down takes an amount off, rejected changes nothing',
        params: ClaimParams,
        body: Type.Object(
          {
            outcome: Type.Union([
              Type.Literal('upheld'),
              Type.Literal('written-down'),
              Type.Literal('rejected'),
            ]),
            amount: Type.Optional(Type.Integer({ minimum: 1, description: 'øre, for written-down' })),
            decision: Type.Optional(Type.String({ minLength: 1 })),
          },
          { additionalProperties: false },
        ),
        response: responses({
          200: Type.Object({ appeal: Type.Integer(), outcome: Type.String(), writtenDown: Ore }),
        }),
      },
    },
    async (request) => {
      const { municipality, claim } = request.params
      return db.transaction().execute((trx) =>
        claimActions.decideAppeal(trx, {
          municipality,
          claim,
          ...request.body,
          actor: apiActor(request.apiCaller),
        }),
      )
    },
  )

  app.post(
    '/offsets',
    {
      schema: {
        tags: ['receivables'],
        summary: "A public payout to a citizen (tax refund …) is offset against the citizen's due claims",
        params: Params,
        body: Type.Object(
          {
            citizen: Type.String({ minLength: 1, description: 'library card number or CPR number' }),
            amount: Type.Integer({ minimum: 1 }),
            source: Type.String({ minLength: 1, description: 'e.g. Overskydende skat' }),
          },
          { additionalProperties: false },
        ),
        response: responses({
          201: Type.Object({ reported: Ore, offset: Ore, paidToCitizen: Ore, notice: Type.String() }),
        }),
      },
    },
    async (request, reply) => {
      const { municipality } = request.params
      const result = await db.transaction().execute(async (trx) => {
        const debtor = await findDebtor(trx, cprVault, municipality, request.body.citizen)
        if (!debtor) throw new ValidationError('citizen', 'no claims are known for this citizen')
        return claimActions.offsetPayout(trx, {
          municipality,
          debtor,
          amount: request.body.amount,
          source: request.body.source,
        })
      })
      return reply.status(201).send({
        reported: result.reported,
        offset: result.offsetAmount,
        paidToCitizen: result.paidToCitizen,
        notice: result.channel,
      })
    },
  )

  app.post(
    '/legacy-claims/move',
    {
      schema: {
        tags: ['receivables'],
        summary:
          'Move legacy balances (Gentofte, before 2022-08-15) into the new system: billed and dunned from now on',
        params: Params,
        body: Type.Object(
          { claims: Type.Optional(Type.Array(Type.Integer())) },
          { additionalProperties: false },
        ),
        response: responses({ 200: Type.Object({ moved: Type.Integer() }) }),
      },
    },
    async (request) => {
      const { municipality } = request.params
      const moved = await db
        .transaction()
        .execute((trx) => receivables.moveLegacyClaims(trx, { municipality, claimIds: request.body.claims }))
      return { moved }
    },
  )

  app.post(
    '/bank-files',
    {
      bodyLimit: 256 * 1024 * 1024,
      schema: {
        tags: ['receivables'],
        summary:
          "Import the bank's camt.054 notification (application/xml): payments matched on the payment ID",
        params: Params,
        response: responses({
          200: Type.Object({
            messageId: Type.String(),
            payments: Type.Integer(),
            amount: Ore,
            applied: Type.Integer(),
            unmatched: Type.Integer({ description: 'kept for manual matching' }),
            duplicates: Type.Integer({ description: 'seen in an earlier import: no second effect' }),
          }),
        }),
      },
    },
    async (request) => {
      if (typeof request.body !== 'string' || request.body.length === 0) {
        throw new ValidationError('body', 'a camt.054 XML document (Content-Type: application/xml)')
      }
      return importBankFile(services, request.params.municipality, request.body, services.clock.now())
    },
  )

  app.get(
    '/unmatched-payments',
    {
      schema: {
        tags: ['receivables'],
        summary: 'Payments whose payment ID matched no claim, waiting for staff',
        params: Params,
        response: responses({
          200: Type.Array(
            Type.Object({
              id: Type.Integer(),
              channel: Type.String(),
              amount: Ore,
              reference: Type.Union([Type.String(), Type.Null()]),
              payer: Type.Union([Type.String(), Type.Null()]),
              date: LocalDateString,
            }),
          ),
        }),
      },
    },
    async (request) => {
      const rows = await db
        .selectFrom('receipts')
        .selectAll()
        .where('municipality', '=', request.params.municipality)
        .where('status', '=', 'unmatched')
        .orderBy('id')
        .execute()
      return rows.map((r) => ({
        id: r.id,
        channel: r.channel,
        amount: r.amount,
        reference: r.paymentReference,
        payer: r.payerName,
        date: r.businessDate,
      }))
    },
  )

  app.post(
    '/unmatched-payments/:receipt/match',
    {
      schema: {
        tags: ['receivables'],
        summary: 'Staff place a held payment on the claim it was meant for',
        params: Type.Object({ municipality: Type.String({ minLength: 1 }), receipt: Type.Integer() }),
        body: Type.Object(
          { claim: Type.String({ minLength: 1, description: 'payment ID or claim number' }) },
          { additionalProperties: false },
        ),
        response: responses({ 200: PaymentOutcome }),
      },
    },
    async (request) => {
      const { municipality, receipt } = request.params
      return db.transaction().execute(async (trx) => {
        const outcome = await receivables.matchReceipt(trx, {
          municipality,
          receiptId: receipt,
          reference: request.body.claim,
        })
        await auditReceipt(trx, apiActor(request.apiCaller), 'payment-matched', outcome.receiptId)
        return outcome
      })
    },
  )

  const PauseScope = {
    issuer: Type.Optional(
      Type.String({ minLength: 1, description: 'issuer code; all issuers when left out' }),
    ),
    legalKind: Type.Optional(LegalKind),
  }

  app.post(
    '/billing/pause',
    {
      schema: {
        tags: ['receivables'],
        summary:
          'Pause billing (e.g. of replacement charges, civil law): new claims are held without bills or dunning',
        params: Params,
        body: Type.Object(
          { ...PauseScope, reason: Type.String({ minLength: 1 }) },
          { additionalProperties: false },
        ),
        response: responses({ 204: Type.Null() }),
      },
    },
    async (request, reply) => {
      const { municipality } = request.params
      await db
        .transaction()
        .execute((trx) => receivables.pauseBilling(trx, { municipality, ...request.body }))
      return reply.status(204).send(null)
    },
  )

  app.post(
    '/billing/resume',
    {
      schema: {
        tags: ['receivables'],
        summary: 'Resume billing: held claims get a fresh deadline and are billed the next morning',
        params: Params,
        body: Type.Object(PauseScope, { additionalProperties: false }),
        response: responses({ 200: Type.Object({ released: Type.Integer() }) }),
      },
    },
    async (request) => {
      const { municipality } = request.params
      const released = await db
        .transaction()
        .execute((trx) => receivables.resumeBilling(trx, { municipality, ...request.body }))
      return { released }
    },
  )

  app.get(
    '/reconciliation',
    {
      schema: {
        tags: ['receivables'],
        summary:
          'The ledger of a business date: each account opening, debits, credits, closing, and the checks',
        params: Params,
        querystring: Type.Object({ date: Type.Optional(LocalDateString) }),
        response: responses({
          200: Type.Object({
            municipality: Type.String(),
            date: LocalDateString,
            accounts: Type.Array(
              Type.Object({
                account: Type.String(),
                opening: Type.Integer(),
                debits: Ore,
                credits: Ore,
                closing: Type.Integer(),
              }),
            ),
            totalDebits: Ore,
            totalCredits: Ore,
            balanced: Type.Boolean(),
            checks: Type.Array(
              Type.Object({
                name: Type.String(),
                ledger: Type.Integer(),
                actual: Type.Integer(),
                ok: Type.Boolean(),
              }),
            ),
            ok: Type.Boolean(),
          }),
        }),
      },
    },
    async (request) => {
      const date = request.query.date ?? localDateOf(services.clock.now())
      return reconcile(db, request.params.municipality, date)
    },
  )

  app.get(
    '/transfers',
    {
      schema: {
        tags: ['receivables'],
        summary: 'Claims transferred to Gældsstyrelsen (the export), by transfer date',
        params: Params,
        querystring: Type.Object({ date: Type.Optional(LocalDateString) }),
        response: responses({
          200: Type.Array(
            Type.Object({
              claim: Type.Integer(),
              paymentId: Type.String(),
              legalKind: Type.String(),
              debtor: Type.String(),
              cpr: Type.Union([Type.String(), Type.Null()]),
              amount: Ore,
              transferredOn: LocalDateString,
            }),
          ),
        }),
      },
    },
    async (request) => {
      let query = db
        .selectFrom('transfers')
        .innerJoin('claims', 'claims.id', 'transfers.claimId')
        .innerJoin('debtors', 'debtors.id', 'transfers.debtorId')
        .select([
          'transfers.claimId as claim',
          'claims.paymentId',
          'claims.legalKind',
          'debtors.name as debtor',
          'debtors.cprEncrypted',
          'transfers.amount',
          'transfers.transferredOn',
        ])
        .where('transfers.municipality', '=', request.params.municipality)
      if (request.query.date) query = query.where('transfers.transferredOn', '=', request.query.date)
      // Gældsstyrelsen needs the CPR number: decrypted for the export only.
      return (await query.orderBy('transfers.id').execute()).map(({ cprEncrypted, ...row }) => ({
        ...row,
        cpr: cprOf(cprVault, cprEncrypted),
      }))
    },
  )
}
