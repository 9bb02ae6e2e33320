import { createHash, randomUUID } from 'node:crypto'
import { mkdir, open, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { sql } from 'kysely'
import type { Db } from '../db/database.ts'
import type { BillChannel, BillKind, ClaimStatus, LegalKind } from '../db/schema.ts'
import { type CprVault, cprOf } from '../patrons/cpr-vault.ts'
import type { LocalDate } from '../shared/time.ts'
import {
  assertValidBillDocument,
  type BillDocument,
  type ContactLine,
  documentFilename,
} from './bill-document.ts'
import { renderBillPdf } from './bill-pdf.ts'
import { paymentLine } from './fik.ts'
import { renderMemo } from './memo.ts'
import type { ReceivablesCatalog, ReceivablesPolicy } from './receivables-policy.ts'

export interface DeliveryOptions {
  batchSize?: number
  /** After each batch: the number of pending bills handled so far. */
  onProgress?: (done: number) => void
}

export interface DeliveryResult {
  /** Bills marked delivered (documents written, or only marked when there is no outbox). */
  delivered: number
  /** Of those, sent as a paper letter: by choice, or because a Digital Post debtor has no CPR number. */
  letters: number
  /** Of those, sent as a MeMo message to Digital Post. */
  digitalPost: number
  /** Bills whose document could not be made; marked 'failed' with the error. */
  failed: number
  /** Bills whose claim had nothing left to pay when delivered; marked 'skipped', nothing written. */
  skipped: number
}

/** Written into a letter's address until addresses are looked up in the CPR register (laan stores none). */
export const ADDRESS_PLACEHOLDER = 'Adresse fra CPR-registret'

/** An entry of `documents` that is a note, not a written file. */
export const NOTE_PREFIX = 'note: '
/** The entry of `documents` of a failed bill. */
export const ERROR_PREFIX = 'error: '

type Outcome =
  | { id: number; status: 'delivered'; channel: BillChannel; documents: string[] }
  | { id: number; status: 'failed' | 'skipped'; documents: string[] }

interface PendingBill {
  id: number
  claimId: number
  kind: BillKind
  letterNumber: number
  sentOn: LocalDate
  sentAt: Date
  channel: BillChannel
  fee: number
  deadline: LocalDate
  debtorName: string
  /** Decrypted only when a Digital Post message is made. */
  cprEncrypted: string | null
  claimStatus: ClaimStatus
  legalKind: LegalKind
  title: string
  paymentId: string
  issuerName: string
  issuerPhone: string | null
  /** A later bill of the same claim exists (a backlog of pending bills). */
  superseded: boolean
}

interface Line {
  claimId: number
  text: string
  amount: number
  paid: number
}

/**
 * Delivers the municipality's pending bills, dunning letters and transfer notices: renders each one's PDF
 * (and, for Digital Post, its MeMo message) into `outboxDir/<municipality>/<sent on>/` and marks the bill
 * delivered with the written paths. Files are written before the batch is marked, under the same names
 * and with the same bytes on a rerun, so a crash in between only means writing them again. Without an
 * outbox (simulations) bills are only marked delivered.
 *
 * A bill whose document cannot be made is marked 'failed' with the error and the run goes on; a failure
 * to write a file stops the run and leaves the batch pending for the next one.
 */
export async function deliverPendingBills(
  db: Db,
  catalog: ReceivablesCatalog,
  cprVault: CprVault,
  municipality: string,
  outboxDir: string | null,
  options: DeliveryOptions = {},
): Promise<DeliveryResult> {
  const batchSize = options.batchSize ?? 500
  const result: DeliveryResult = { delivered: 0, letters: 0, digitalPost: 0, failed: 0, skipped: 0 }
  let lastId = 0
  let done = 0
  for (;;) {
    const bills: PendingBill[] = await db
      .selectFrom('bills')
      .innerJoin('debtors', 'debtors.id', 'bills.debtorId')
      .innerJoin('claims', 'claims.id', 'bills.claimId')
      .innerJoin('issuers', 'issuers.id', 'claims.issuerId')
      .select([
        'bills.id',
        'bills.claimId',
        'bills.kind',
        'bills.letterNumber',
        'bills.sentOn',
        'bills.sentAt',
        'bills.channel',
        'bills.fee',
        'bills.deadline',
        'debtors.name as debtorName',
        'debtors.cprEncrypted',
        'claims.status as claimStatus',
        'claims.legalKind',
        'claims.title',
        'claims.paymentId',
        'issuers.name as issuerName',
        'issuers.phone as issuerPhone',
      ])
      .select((eb) =>
        eb
          .exists(
            eb
              .selectFrom('bills as later')
              .select('later.id')
              .whereRef('later.claimId', '=', 'bills.claimId')
              .whereRef('later.id', '>', 'bills.id'),
          )
          .$castTo<boolean>()
          .as('superseded'),
      )
      .where('bills.municipality', '=', municipality)
      .where('bills.deliveryStatus', '=', 'pending')
      .where('bills.id', '>', lastId)
      .orderBy('bills.id')
      .limit(batchSize)
      .execute()
    const last = bills[bills.length - 1]
    if (!last) break
    lastId = last.id

    const outcomes: Outcome[] =
      outboxDir === null
        ? bills.map((bill) => ({ id: bill.id, status: 'delivered', channel: channelOf(bill), documents: [] }))
        : await writeDocuments(db, catalog, cprVault, municipality, outboxDir, bills)

    const marked = await db.transaction().execute(async (trx) => {
      const rows = await sql<{ id: number }>`
        update bills set delivery_status = v.status, documents = v.documents::jsonb
        from unnest(
          ${outcomes.map((o) => o.id)}::int[],
          ${outcomes.map((o) => o.status)}::text[],
          ${outcomes.map((o) => JSON.stringify(o.documents))}::text[]
        ) as v(id, status, documents)
        where bills.id = v.id and bills.delivery_status = 'pending'
        returning bills.id
      `.execute(trx)
      return new Set(rows.rows.map((r) => r.id))
    })
    // Another run may have marked some of these meanwhile; only what this run marked counts.
    for (const outcome of outcomes) {
      if (!marked.has(outcome.id)) continue
      if (outcome.status === 'delivered') {
        result.delivered++
        if (outcome.channel === 'letter') result.letters++
        else result.digitalPost++
      } else {
        result[outcome.status]++
      }
    }
    done += bills.length
    options.onProgress?.(done)
  }
  return result
}

/** Digital Post needs the recipient's CPR number; without it the bill goes by letter. */
function channelOf(bill: Pick<PendingBill, 'channel' | 'cprEncrypted'>): BillChannel {
  return bill.channel === 'digital-post' && bill.cprEncrypted !== null ? 'digital-post' : 'letter'
}

async function writeDocuments(
  db: Db,
  catalog: ReceivablesCatalog,
  cprVault: CprVault,
  municipality: string,
  outboxDir: string,
  bills: readonly PendingBill[],
): Promise<Outcome[]> {
  const lines = await db
    .selectFrom('claimLines')
    .select(['claimId', 'text', 'amount', 'paid'])
    .where(
      'claimId',
      'in',
      bills.map((b) => b.claimId),
    )
    .where('status', 'in', ['open', 'paid'])
    .orderBy('id')
    .execute()
  const linesOf = new Map<number, Line[]>()
  for (const line of lines) {
    const list = linesOf.get(line.claimId) ?? []
    list.push(line)
    linesOf.set(line.claimId, list)
  }

  const outcomes: Outcome[] = []
  const folders = new Set<string>()
  for (const bill of bills) {
    const own = linesOf.get(bill.claimId) ?? []
    const open = own.reduce((sum, l) => sum + l.amount - l.paid, 0)
    // A document shows the claim as it stands now, so of a backlog only the latest letter is sent: an
    // older one would show the later fees under its own date and deadline.
    if (bill.superseded) {
      outcomes.push({
        id: bill.id,
        status: 'skipped',
        documents: [`${NOTE_PREFIX}not sent: a later letter about the same claim replaces it`],
      })
      continue
    }
    // Paid (or cancelled, or transferred) since the bill was made: laan sends no bill for nothing to pay.
    if ((bill.claimStatus !== 'open' && bill.claimStatus !== 'held') || open <= 0) {
      outcomes.push({
        id: bill.id,
        status: 'skipped',
        documents: [`${NOTE_PREFIX}not sent: the claim is ${bill.claimStatus} with ${open} øre left to pay`],
      })
      continue
    }

    const channel = channelOf(bill)
    let doc: BillDocument
    let pdf: Buffer
    let memo: string | null = null
    try {
      const policy = catalog.inForce(municipality, bill.sentOn)
      doc = billDocument(bill, own, policy, channel)
      assertValidBillDocument(doc)
      pdf = await renderBillPdf(doc)
      if (channel === 'digital-post') {
        memo = renderMemo(doc, pdf, {
          messageUuid: messageUuid(municipality, bill.id),
          senderCvr: policy.senderCvr.value,
          senderLabel: policy.authority,
          recipientCpr: cprOf(cprVault, bill.cprEncrypted),
          recipientLabel: bill.debtorName,
          createdAt: bill.sentAt.toISOString(),
        })
      }
    } catch (error) {
      // Bad data or a bug for this one bill: recorded on it, and the others still go out.
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
      outcomes.push({ id: bill.id, status: 'failed', documents: [`${ERROR_PREFIX}${message}`] })
      continue
    }

    const folder = `${municipality}/${bill.sentOn}`
    if (!folders.has(folder)) {
      await mkdir(join(outboxDir, folder), { recursive: true })
      folders.add(folder)
    }
    const pdfPath = `${folder}/${documentFilename(doc)}`
    await writeAtomically(join(outboxDir, pdfPath), pdf)
    const documents = [pdfPath]
    if (memo !== null) {
      const memoPath = `${pdfPath}.xml`
      await writeAtomically(join(outboxDir, memoPath), memo)
      documents.push(memoPath)
    } else if (bill.channel === 'digital-post') {
      documents.push(`${NOTE_PREFIX}sent as a letter: the debtor has no CPR number for Digital Post`)
    }
    outcomes.push({ id: bill.id, status: 'delivered', channel, documents })
  }
  return outcomes
}

/**
 * The document shows the claim as it stands at delivery: every line in force at its full amount and,
 * when part is paid, one "Allerede betalt" line taking it off, so the citizen sees both what the claim is
 * for and why the total is what is left to pay.
 */
function billDocument(
  bill: PendingBill,
  lines: readonly Line[],
  policy: ReceivablesPolicy,
  channel: BillChannel,
): BillDocument {
  const shown = lines.map((l) => ({ text: l.text, amount: l.amount }))
  const paid = lines.reduce((sum, l) => sum + l.paid, 0)
  if (paid > 0) shown.push({ text: 'Allerede betalt', amount: -paid })
  const creditorNumber = policy.creditorNumber.value
  const contacts = policy.contacts
  return {
    kind: bill.kind,
    channel,
    municipalityName: policy.authority,
    issuer: { name: bill.issuerName, phone: bill.issuerPhone ?? contacts.reason.value.phone ?? '' },
    contacts: {
      payment: contactLine(contacts.payment.value),
      reason: contactLine(contacts.reason.value),
      complaint: contactLine(contacts.complaint.value),
    },
    debtor:
      channel === 'letter'
        ? { name: bill.debtorName, address: [ADDRESS_PLACEHOLDER] }
        : { name: bill.debtorName },
    date: bill.sentOn,
    deadline: bill.deadline,
    claimNumber: String(bill.claimId),
    lines: shown,
    ...(bill.kind === 'dunning-letter'
      ? { dunning: { letterNumber: bill.letterNumber, fee: bill.fee } }
      : {}),
    total: shown.reduce((sum, l) => sum + l.amount, 0),
    paymentId: bill.paymentId,
    paymentLine: paymentLine(bill.paymentId, creditorNumber),
    creditorNumber,
    legalKindText: legalKindText(bill.legalKind, bill.title),
  }
}

function contactLine(contact: {
  who: string
  phone?: string | undefined
  web?: string | undefined
}): ContactLine {
  return {
    who: contact.who,
    ...(contact.phone === undefined ? {} : { phone: contact.phone }),
    ...(contact.web === undefined ? {} : { web: contact.web }),
  }
}

/** "Offentligretligt krav (gebyr for for sen aflevering)" */
export function legalKindText(legalKind: LegalKind, title: string): string {
  const kind = legalKind === 'public' ? 'Offentligretligt krav' : 'Civilretligt krav'
  const what = title.trim()
  return what === '' ? kind : `${kind} (${what.charAt(0).toLocaleLowerCase('da') + what.slice(1)})`
}

/** A version 4-shaped UUID from the municipality and bill id, so a rerun writes the same message. */
export function messageUuid(municipality: string, billId: number): string {
  const hex = createHash('sha256').update(`laan:bill:${municipality}:${billId}`).digest('hex')
  const variant = ((Number.parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16)
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`
}

/** Written to a temporary name, flushed and renamed, so the outbox never holds half a file. */
async function writeAtomically(path: string, data: Buffer | string): Promise<void> {
  const temp = `${path}.${randomUUID()}.tmp`
  try {
    const file = await open(temp, 'w')
    try {
      await file.writeFile(data)
      await file.sync()
    } finally {
      await file.close()
    }
    await rename(temp, path)
  } catch (error) {
    await rm(temp, { force: true })
    throw error
  }
}
