// GDPR access (issue 7; 002: "Lånerregistret er i overensstemmelse med persondataloven"): everything laan holds
// about one patron, as one JSON document the patron downloads from Min side. Only rows tied to this patron
// (by id, by the card the patron scans, or through the patron's debtor in the receivables) are read; other
// people appear by name only where the patron is linked to them (guardian, children) and staff by name.

import type { Kysely } from 'kysely'
import { auditEntriesAbout } from '../audit/audit-log.ts'
import type { Database } from '../db/schema.ts'
import { formatLocalInstant } from '../shared/time.ts'
import { type CprVault, withCpr } from './cpr-vault.ts'
import { findPatronById } from './patron-repository.ts'

type Trx = Kysely<Database>

export interface ExportOptions {
  /** When the export is made. */
  now: Date
  /** Days the door's entry log is kept (the municipality's policy in force). */
  doorLogDays: number
  /** Minutes without a request that end a web session. */
  sessionIdleMinutes: number
}

/** Instants as Copenhagen local time with offset, readable in the file. */
function when(value: unknown): string | null {
  if (value === null || value === undefined) return null
  return formatLocalInstant(value instanceof Date ? value : new Date(String(value)))
}

/** Danish, for the patron reading the file: what each part is and how long it is kept. */
function aboutYourData(options: ExportOptions) {
  return {
    overskrift: 'Om dine data',
    tekst:
      'Denne fil indeholder alt, hvad laan – bibliotekets system til lån, gebyrer og opkrævning – gemmer om dig. Tider er dansk tid. Beløb er i øre (100 øre = 1 krone). Har du spørgsmål, eller mener du, at noget er forkert, så kontakt biblioteket.',
    dele: {
      laaner:
        'Dine oplysninger som låner: navn, lånerkort, CPR-nummer, kontaktoplysninger, valg om påmindelser og sprog. Din PIN-kode er kun gemt som en envejs-hash og kan ikke læses. Du slettes automatisk fra lånerregistret, når du ikke har lånt fysiske materialer i 2 år og ikke har lån eller gæld (kilde 002).',
      vaerge_og_boern: 'Hvem der er din værge, og hvilke børn du er værge for (kun navne).',
      laan: 'Dine lån. Registreringen af et lån slettes, når materialet er afleveret; biblioteket kan se, hvem der har lånt et materiale, i op til 4 uger efter afleveringen (kilde 002). Afleverede lån, der stadig står her, er derfor højst 4 uger gamle.',
      reserveringer: 'Dine reserveringer, også afsluttede.',
      gebyrer:
        'Gebyrer og erstatninger med forklaringen på hvert, betalinger og tilbagebetalinger hos biblioteket. Gebyrer gemmes, så længe de har betydning for din gæld og bibliotekets regnskab.',
      opkraevning:
        'Mit Betalingsoverblik: dine krav fra kommunen med linjer og historik, regninger, indbetalinger, udbetalinger til NemKonto, afdragsordninger, klager, modregninger og overdragelser til Gældsstyrelsen. Gemmes efter reglerne for kommunens regnskab.',
      beskeder: 'Beskeder sendt til dig (påmindelser, hjemkaldelser, reserveringer klar, varsler).',
      spaerringer: 'Spærringer og udelukkelser med begrundelse, og varsler om udelukkelse.',
      doeradgang: `Scanninger af dit kort ved døren i den selvbetjente åbningstid. Gemmes i ${options.doorLogDays} dage.`,
      automater:
        'Lån og afleveringer, som en selvbetjeningsautomat registrerede uden forbindelse til laan, med automatens svar.',
      personaleopslag:
        'Hver gang en medarbejder har slået dig op ved skranken: hvem, hvornår og med hvilken begrundelse. Gemmes i den periode, biblioteket har fastsat for opslagsloggen.',
      revisionslog:
        'Handlinger, der vedrører dig, i bibliotekets revisionslog (hvem gjorde hvad, hvornår og hvorfor). Loggen kan ikke ændres.',
      samtykker_og_tilmeldinger:
        'Tilmeldinger, der venter på eller har fået en værges samtykke – dine egne og dem, du som værge er spurgt om – og din tilmelding ved skranken.',
      sessioner: `Dine logins på Min side: hvornår de begyndte og cirka hvornår de sidst blev brugt. En session slutter efter ${options.sessionIdleMinutes} minutter uden brug.`,
    },
  }
}

/**
 * Everything laan holds about the patron, as a plain object ready for JSON. Undefined when there is no such
 * patron.
 */
export async function patronDataExport(trx: Trx, vault: CprVault, patronId: number, options: ExportOptions) {
  const stored = await findPatronById(trx, patronId)
  if (!stored) return undefined
  const patron = withCpr(vault, stored)
  const { pinHash, cprHash, ...fields } = patron
  // What the patron identifies with at a machine, as its offline records keep it: card and CPR number hashed.
  const identifierHashes = [patron.cardNumber, ...(patron.cpr !== null ? [patron.cpr] : [])].map((id) =>
    vault.identifierHash(id),
  )

  const [guardian, children] = await Promise.all([
    patron.guardianId === null
      ? undefined
      : trx.selectFrom('patrons').select(['name']).where('id', '=', patron.guardianId).executeTakeFirst(),
    trx.selectFrom('patrons').select(['name']).where('guardianId', '=', patronId).orderBy('name').execute(),
  ])

  const loans = await trx
    .selectFrom('loans')
    .innerJoin('items', 'items.id', 'loans.itemId')
    .select([
      'loans.id',
      'items.title',
      'items.author',
      'items.barcode',
      'loans.checkedOutAt',
      'loans.dueDate',
      'loans.renewals',
      'loans.returnedAt',
      'loans.lostOn',
      'loans.status',
    ])
    .where('loans.patronId', '=', patronId)
    .orderBy('loans.checkedOutAt')
    .orderBy('loans.id')
    .execute()

  const reservations = await trx
    .selectFrom('reservations')
    .select(['id', 'title', 'createdAt', 'status', 'heldAt', 'notifiedAt'])
    .where('patronId', '=', patronId)
    .orderBy('createdAt')
    .orderBy('id')
    .execute()

  const charges = await trx
    .selectFrom('charges')
    .leftJoin('items', 'items.id', 'charges.itemId')
    .select([
      'charges.id',
      'charges.kind',
      'items.title',
      'charges.amount',
      'charges.paid',
      'charges.status',
      'charges.chargeDate',
      'charges.dueDate',
      'charges.daysOverdue',
      'charges.explanation',
      'charges.createdAt',
      'charges.settledAt',
    ])
    .where('charges.patronId', '=', patronId)
    .orderBy('charges.id')
    .execute()
  const [libraryPayments, refunds, corrections] = await Promise.all([
    trx
      .selectFrom('payments')
      .select(['id', 'amount', 'receivedAt', 'unapplied'])
      .where('patronId', '=', patronId)
      .orderBy('id')
      .execute(),
    trx
      .selectFrom('refunds')
      .select(['id', 'chargeId', 'amount', 'createdAt', 'reason'])
      .where('patronId', '=', patronId)
      .orderBy('id')
      .execute(),
    trx
      .selectFrom('chargeCorrections')
      .innerJoin('charges', 'charges.id', 'chargeCorrections.chargeId')
      .select([
        'chargeCorrections.chargeId',
        'chargeCorrections.kind',
        'chargeCorrections.amount',
        'chargeCorrections.reason',
        'chargeCorrections.at',
      ])
      .where('charges.patronId', '=', patronId)
      .orderBy('chargeCorrections.id')
      .execute(),
  ])

  const receivables = await receivablesOf(trx, patronId)

  const notices = await trx
    .selectFrom('notices')
    .select(['id', 'kind', 'channel', 'sendAt', 'sentAt', 'status', 'items', 'payload'])
    .where('patronId', '=', patronId)
    .orderBy('sendAt')
    .orderBy('id')
    .execute()

  const [blocks, warnings, exclusions, blockLifts] = await Promise.all([
    trx
      .selectFrom('blocks')
      .select(['id', 'reason', 'fromAt', 'untilAt'])
      .where('patronId', '=', patronId)
      .orderBy('id')
      .execute(),
    trx
      .selectFrom('exclusionWarnings')
      .select(['warnedAt', 'status'])
      .where('patronId', '=', patronId)
      .orderBy('id')
      .execute(),
    trx
      .selectFrom('staffExclusions')
      .select(['reason', 'warnedAt', 'effectiveOn', 'status', 'endedAt', 'endReason'])
      .where('patronId', '=', patronId)
      .orderBy('id')
      .execute(),
    trx
      .selectFrom('blockLifts')
      .innerJoin('staffAccounts', 'staffAccounts.id', 'blockLifts.staffId')
      .select(['blockLifts.blockId', 'blockLifts.reason', 'blockLifts.at', 'staffAccounts.name as staff'])
      .where('blockLifts.patronId', '=', patronId)
      .orderBy('blockLifts.id')
      .execute(),
  ])

  const doorEntries = await trx
    .selectFrom('doorEntries')
    .select(['location', 'at', 'opened', 'reason'])
    .where('municipality', '=', patron.municipality)
    .where('card', '=', patron.cardNumber)
    .orderBy('at')
    .execute()

  const machineTransactions = await trx
    .selectFrom('sip2OfflineTransactions')
    .select(['login', 'command', 'item', 'transactionAt', 'recordedAt'])
    .where('patron', 'in', identifierHashes)
    .orderBy('transactionAt')
    .execute()

  const lookups = await trx
    .selectFrom('staffLookups')
    .innerJoin('staffAccounts', 'staffAccounts.id', 'staffLookups.staffId')
    .select(['staffLookups.at', 'staffAccounts.name as staff', 'staffLookups.reason'])
    .where('staffLookups.patronId', '=', patronId)
    .orderBy('staffLookups.at')
    .execute()

  const audit = await auditEntriesAbout(trx, patronId)

  // A registration's CPR number and PIN hash are the registrant's; only what the patron needs to know is shown.
  const registration = ['id', 'name', 'birthDate', 'createdAt', 'status', 'decidedAt'] as const
  const [ownRegistrations, askedToConsent, deskRegistration, sessions] = await Promise.all([
    trx.selectFrom('pendingRegistrations').select(registration).where('patronId', '=', patronId).execute(),
    trx
      .selectFrom('pendingRegistrations')
      .select(registration)
      .where('guardianId', '=', patronId)
      .orderBy('id')
      .execute(),
    trx
      .selectFrom('deskRegistrations')
      .select(['kind', 'guardianConsent', 'registeredAt'])
      .where('patronId', '=', patronId)
      .executeTakeFirst(),
    trx
      .selectFrom('webSessions')
      .select(['createdAt', 'expiresAt'])
      .where('patronId', '=', patronId)
      .orderBy('createdAt')
      .execute(),
  ])

  return {
    om_dine_data: aboutYourData(options),
    udtrukket: when(options.now),
    laaner: {
      ...fields,
      birthDate: patron.birthDate,
      createdAt: when(patron.createdAt),
      cardLostAt: when(patron.cardLostAt),
      emailBouncedAt: when(patron.emailBouncedAt),
      pinLockedUntil: when(patron.pinLockedUntil),
      pin: pinHash === null ? 'ingen PIN' : 'PIN: gemt som hash',
    },
    vaerge_og_boern: {
      vaerge: guardian ? { navn: guardian.name } : null,
      boern: children.map((c) => ({ navn: c.name })),
    },
    laan: loans.map((l) => ({
      ...l,
      checkedOutAt: when(l.checkedOutAt),
      returnedAt: when(l.returnedAt),
    })),
    reserveringer: reservations.map((r) => ({
      ...r,
      createdAt: when(r.createdAt),
      heldAt: when(r.heldAt),
      notifiedAt: when(r.notifiedAt),
    })),
    gebyrer: {
      gebyrer: charges.map((c) => ({ ...c, createdAt: when(c.createdAt), settledAt: when(c.settledAt) })),
      betalinger: libraryPayments.map((p) => ({ ...p, receivedAt: when(p.receivedAt) })),
      tilbagebetalinger: refunds.map((r) => ({ ...r, createdAt: when(r.createdAt) })),
      rettelser: corrections.map((c) => ({ ...c, at: when(c.at) })),
    },
    opkraevning: receivables,
    beskeder: notices.map((n) => ({ ...n, sendAt: when(n.sendAt), sentAt: when(n.sentAt) })),
    spaerringer: {
      spaerringer: blocks.map((b) => ({ ...b, fromAt: when(b.fromAt), untilAt: when(b.untilAt) })),
      ophaevelser: blockLifts.map((b) => ({ ...b, at: when(b.at) })),
      varsler: warnings.map((w) => ({ ...w, warnedAt: when(w.warnedAt) })),
      udelukkelser: exclusions.map((e) => ({ ...e, warnedAt: when(e.warnedAt), endedAt: when(e.endedAt) })),
    },
    doeradgang: doorEntries.map((d) => ({ ...d, at: when(d.at) })),
    automater: machineTransactions.map((m) => ({
      ...m,
      transactionAt: when(m.transactionAt),
      recordedAt: when(m.recordedAt),
    })),
    personaleopslag: lookups.map((l) => ({ ...l, at: when(l.at) })),
    revisionslog: audit.map((a) => ({ ...a, at: when(a.at) })),
    samtykker_og_tilmeldinger: {
      egne: ownRegistrations.map((r) => ({
        ...r,
        createdAt: when(r.createdAt),
        decidedAt: when(r.decidedAt),
      })),
      som_vaerge: askedToConsent.map((r) => ({
        ...r,
        createdAt: when(r.createdAt),
        decidedAt: when(r.decidedAt),
      })),
      ved_skranken: deskRegistration
        ? { ...deskRegistration, registeredAt: when(deskRegistration.registeredAt) }
        : null,
    },
    sessioner: sessions.map((s) => ({
      begyndt: when(s.createdAt),
      sidst_brugt_ca: when(new Date(new Date(s.expiresAt).getTime() - options.sessionIdleMinutes * 60_000)),
    })),
  }
}

/** The receivables of the patron's debtor (the CPR number is the patron's, shown once above). */
async function receivablesOf(trx: Trx, patronId: number) {
  const debtors = await trx
    .selectFrom('debtors')
    .select(['id', 'municipality', 'name', 'digitalPost', 'credit'])
    .where('patronId', '=', patronId)
    .execute()
  const ids = debtors.map((d) => d.id)
  if (ids.length === 0) return { skyldner: null }
  const claims = await trx
    .selectFrom('claims')
    .innerJoin('issuers', 'issuers.id', 'claims.issuerId')
    .select([
      'claims.id',
      'issuers.name as issuer',
      'claims.title',
      'claims.amount',
      'claims.paid',
      'claims.status',
      'claims.claimDate',
      'claims.deadline',
      'claims.paymentId',
      'claims.dunningLetters',
      'claims.transferredOn',
      'claims.createdAt',
    ])
    .where('claims.debtorId', 'in', ids)
    .orderBy('claims.id')
    .execute()
  const claimIds = claims.map((c) => c.id)
  const byClaim = <T>(q: () => Promise<T[]>) => (claimIds.length === 0 ? Promise.resolve([] as T[]) : q())
  const [lines, events, plans, appeals] = await Promise.all([
    byClaim(() =>
      trx
        .selectFrom('claimLines')
        .select(['claimId', 'chargeId', 'kind', 'text', 'amount', 'paid', 'status'])
        .where('claimId', 'in', claimIds)
        .orderBy('id')
        .execute(),
    ),
    byClaim(() =>
      trx
        .selectFrom('claimEvents')
        .select(['claimId', 'at', 'kind', 'detail'])
        .where('claimId', 'in', claimIds)
        .orderBy('id')
        .execute(),
    ),
    byClaim(() =>
      trx
        .selectFrom('instalmentPlans')
        .select(['id', 'claimId', 'status', 'months', 'createdAt', 'endedOn'])
        .where('claimId', 'in', claimIds)
        .orderBy('id')
        .execute(),
    ),
    byClaim(() =>
      trx
        .selectFrom('appeals')
        .select(['claimId', 'filedAt', 'text', 'status', 'decidedAt', 'decision', 'writtenDown'])
        .where('claimId', 'in', claimIds)
        .orderBy('id')
        .execute(),
    ),
  ])
  const planIds = plans.map((p) => p.id)
  const [instalments, bills, receipts, payouts, offsets, transfers] = await Promise.all([
    planIds.length === 0
      ? Promise.resolve([])
      : trx
          .selectFrom('instalments')
          .select(['planId', 'number', 'amount', 'paid', 'deadline', 'paymentId'])
          .where('planId', 'in', planIds)
          .orderBy('id')
          .execute(),
    trx
      .selectFrom('bills')
      .select(['claimId', 'kind', 'letterNumber', 'sentAt', 'channel', 'amount', 'fee', 'deadline'])
      .where('debtorId', 'in', ids)
      .orderBy('id')
      .execute(),
    trx
      .selectFrom('receipts')
      .select(['id', 'claimId', 'channel', 'amount', 'receivedAt', 'paymentReference', 'payerName', 'status'])
      .where('debtorId', 'in', ids)
      .orderBy('id')
      .execute(),
    trx
      .selectFrom('payouts')
      .select(['amount', 'reason', 'createdAt', 'dueOn', 'status', 'paidOutOn'])
      .where('debtorId', 'in', ids)
      .orderBy('id')
      .execute(),
    trx
      .selectFrom('offsets')
      .select(['source', 'reported', 'offsetAmount', 'at', 'channel'])
      .where('debtorId', 'in', ids)
      .orderBy('id')
      .execute(),
    trx
      .selectFrom('transfers')
      .select(['claimId', 'amount', 'transferredOn'])
      .where('debtorId', 'in', ids)
      .orderBy('id')
      .execute(),
  ])
  return {
    skyldner: debtors,
    krav: claims.map((c) => ({
      ...c,
      createdAt: when(c.createdAt),
      linjer: lines.filter((l) => l.claimId === c.id),
      historik: events.filter((e) => e.claimId === c.id).map((e) => ({ ...e, at: when(e.at) })),
    })),
    regninger: bills.map((b) => ({ ...b, sentAt: when(b.sentAt) })),
    indbetalinger: receipts.map((r) => ({ ...r, receivedAt: when(r.receivedAt) })),
    udbetalinger: payouts.map((p) => ({ ...p, createdAt: when(p.createdAt) })),
    afdragsordninger: plans.map((p) => ({
      ...p,
      createdAt: when(p.createdAt),
      rater: instalments.filter((i) => i.planId === p.id),
    })),
    klager: appeals.map((a) => ({ ...a, filedAt: when(a.filedAt), decidedAt: when(a.decidedAt) })),
    modregninger: offsets.map((o) => ({ ...o, at: when(o.at) })),
    overdragelser: transfers,
  }
}
