import { randomInt } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Database, PatronRow, PatronType } from '../db/schema.ts'
import { ValidationError } from '../shared/errors.ts'
import { hashSecret, verifySecret } from '../shared/password-hash.ts'
import { ageOn, isLocalDate, localDateOf } from '../shared/time.ts'
import { birthDateFromCpr, InvalidCprError, normaliseCpr } from './cpr.ts'
import type { CprVault } from './cpr-vault.ts'
import { findPatronByCard, findPatronByCardOrCpr, insertPatron } from './patron-repository.ts'

type Trx = Kysely<Database>

export interface RegisterPatronInput {
  municipality: string
  cardNumber?: string | undefined
  name?: string | undefined
  birthDate?: string | undefined
  cpr?: string | undefined
  pin?: string | undefined
  email?: string | null | undefined
  phone?: string | null | undefined
  remindersOptIn?: boolean | undefined
  digitalPost?: boolean | undefined
  /** The channels for notices; by default e-mail when given, else SMS. */
  noticeChannels?: ('email' | 'sms')[] | undefined
  language?: 'da' | 'en' | undefined
  address?: PatronAddress | undefined
  /** Card or CPR number of the economically responsible adult. */
  guardian?: string | undefined
  /** An already hashed PIN (demo and benchmark data share one). */
  pinHash?: string | undefined
  /** When the registration happens (the guardian's age is checked on this day). */
  at: Date
  /** A replayed history (scenario) takes the guardian as given. */
  trustGuardian?: boolean | undefined
  /** An institution has a name and no CPR number; by default a person. */
  patronType?: PatronType | undefined
  /** The identity paper shown instead of a health card (foreigners, conscripts: 002). */
  idDocument?: { type: string; number?: string | undefined } | undefined
}

/**
 * An institution has no birth date; it is stored as this date, so that every rule that asks for an age
 * (fees, the door) treats the institution as an adult.
 */
export const INSTITUTION_BIRTH_DATE = '1900-01-01'

export interface PatronAddress {
  street: string
  postalCode: string
  city: string
  country?: string | undefined
}

export async function hashPin(pin: string): Promise<string> {
  if (!/^\d{4,8}$/.test(pin)) throw new ValidationError('pin', 'a PIN has 4 to 8 digits')
  return hashSecret(pin)
}

export async function verifyPin(patron: PatronRow, pin: string): Promise<boolean> {
  if (!patron.pinHash) return false
  return verifySecret(patron.pinHash, pin)
}

/** A 12-digit library card number starting with 9: not a CPR number's shape, unlikely to be typed by chance. */
export function newCardNumber(): string {
  return `9${randomInt(0, 100_000_000_000).toString().padStart(11, '0')}`
}

function sameCpr(cardNumber: string, cpr: string): boolean {
  try {
    return normaliseCpr(cardNumber) === cpr
  } catch {
    return false
  }
}

export async function registerPatron(
  trx: Trx,
  vault: CprVault,
  input: RegisterPatronInput,
): Promise<PatronRow> {
  const institution = input.patronType === 'institution'
  if (institution && input.cpr !== undefined)
    throw new ValidationError('cpr', 'an institution has no CPR number')
  let cpr: string | null = null
  let birthDate = input.birthDate ?? (institution ? INSTITUTION_BIRTH_DATE : undefined)
  if (input.cpr !== undefined) {
    try {
      cpr = normaliseCpr(input.cpr)
      const fromCpr = birthDateFromCpr(cpr)
      if (birthDate !== undefined && birthDate !== fromCpr) {
        throw new ValidationError('birthDate', `does not match the CPR number (${fromCpr})`)
      }
      birthDate = fromCpr
    } catch (error) {
      if (error instanceof InvalidCprError) throw new ValidationError('cpr', error.message)
      throw error
    }
  }
  if (birthDate === undefined)
    throw new ValidationError('birthDate', 'a birth date or a CPR number is required')
  if (!isLocalDate(birthDate)) throw new ValidationError('birthDate', 'a date YYYY-MM-DD')
  // The CPR number is kept only encrypted, so it is never the card number: a patron registered by CPR
  // alone gets a library card number of their own (the health card still finds them through the CPR).
  const givenCard =
    input.cardNumber !== undefined && cpr !== null && sameCpr(input.cardNumber, cpr)
      ? undefined
      : input.cardNumber
  const cardNumber = givenCard ?? (cpr !== null ? newCardNumber() : undefined)
  if (!cardNumber) throw new ValidationError('cardNumber', 'a card number or a CPR number is required')
  if (await findPatronByCard(trx, input.municipality, cardNumber)) {
    throw new ValidationError('cardNumber', `card ${cardNumber} is already registered`)
  }
  let guardianId: number | null = null
  const todayForAge = localDateOf(input.at)
  if (input.guardian !== undefined) {
    const guardian = await findPatronByCardOrCpr(trx, vault, input.municipality, input.guardian)
    if (!guardian) throw new ValidationError('guardian', `no patron with card ${input.guardian}`)
    if (!input.trustGuardian && ageOn(guardian.birthDate, todayForAge) < 18)
      throw new ValidationError('guardian', 'the guardian must be an adult')
    guardianId = guardian.id
  }
  return insertPatron(trx, {
    municipality: input.municipality,
    // The registration's own time (a replayed or simulated history too): the 2-year rule counts from it.
    createdAt: input.at,
    cardNumber,
    cprHash: cpr === null ? null : vault.hash(cpr),
    cprEncrypted: cpr === null ? null : vault.encrypt(cpr),
    birthDate,
    name: input.name ?? cardNumber,
    pinHash: input.pinHash ?? (input.pin !== undefined ? await hashPin(input.pin) : null),
    email: input.email ?? null,
    phone: input.phone ?? null,
    remindersOptIn: input.remindersOptIn ?? false,
    digitalPost: input.digitalPost ?? true,
    noticeChannels: input.noticeChannels ?? null,
    language: input.language ?? 'da',
    guardianId,
    street: input.address?.street ?? null,
    postalCode: input.address?.postalCode ?? null,
    city: input.address?.city ?? null,
    country: input.address ? (input.address.country ?? 'Danmark') : null,
    patronType: input.patronType ?? 'person',
    idDocumentType: input.idDocument?.type ?? null,
    idDocumentNumber: input.idDocument?.number ?? null,
  })
}

export interface ContactChanges {
  email?: string | null | undefined
  phone?: string | null | undefined
  remindersOptIn?: boolean | undefined
  noticeChannels?: ('email' | 'sms')[] | null | undefined
  language?: 'da' | 'en' | undefined
  digitalPost?: boolean | undefined
  /** A new PIN (4–8 digits). */
  pin?: string | undefined
}

/** Changes a patron's contact details; a new e-mail address is used again even if the old one bounced. */
export async function updatePatronContact(
  trx: Trx,
  patronId: number,
  changes: ContactChanges,
): Promise<PatronRow> {
  const pinHash = changes.pin === undefined ? undefined : await hashPin(changes.pin)
  const updated = await trx
    .updateTable('patrons')
    .set({
      ...(changes.email === undefined ? {} : { email: changes.email, emailBouncedAt: null }),
      ...(changes.phone === undefined ? {} : { phone: changes.phone }),
      ...(changes.remindersOptIn === undefined ? {} : { remindersOptIn: changes.remindersOptIn }),
      ...(changes.noticeChannels === undefined ? {} : { noticeChannels: changes.noticeChannels }),
      ...(changes.language === undefined ? {} : { language: changes.language }),
      ...(changes.digitalPost === undefined ? {} : { digitalPost: changes.digitalPost }),
      ...(pinHash === undefined ? {} : { pinHash, pinFailures: 0, pinLockedUntil: null }),
    })
    .where('id', '=', patronId)
    .returningAll()
    .executeTakeFirstOrThrow()
  // The receivables send bills by the same choice.
  if (changes.digitalPost !== undefined) {
    await trx
      .updateTable('debtors')
      .set({ digitalPost: changes.digitalPost })
      .where('patronId', '=', patronId)
      .execute()
  }
  return updated
}
