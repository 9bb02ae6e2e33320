// The library's cash box (seed 000: "Ja, der vil stadig være pengekasser til betaling for køb på
// bibliotekerne" — events, bags, discarded books). Sales only: fees and bills are never paid at the library.

import type { Db } from '../db/database.ts'
import type { CashSaleTable } from '../db/schema.ts'
import { ValidationError } from '../shared/errors.ts'
import type { Ore } from '../shared/money.ts'
import { type LocalDate, localDateOf } from '../shared/time.ts'

export type SaleCategory = CashSaleTable['category']
export type PaymentMethod = CashSaleTable['paymentMethod']

export const SALE_CATEGORIES: readonly SaleCategory[] = ['event', 'bag', 'discarded-book', 'other']
/** Cash, a payment card or MobilePay (assumed: the sources name no methods). */
export const PAYMENT_METHODS: readonly PaymentMethod[] = ['cash', 'card', 'mobilepay']

/** The largest single sale accepted (assumed), against a mistyped amount. */
export const MAX_SALE: Ore = 1_000_000

/**
 * An amount in kroner as staff type it — `25`, `25,50`, `1.234,50`, `25.50`, `25 kr` — as øre; null when it
 * is not one.
 */
export function parseKroner(text: string): Ore | null {
  const value = text
    .trim()
    .replace(/\s*kr\.?$/i, '')
    .replace(/\s/g, '')
  let normal: string
  if (/^\d{1,3}(\.\d{3})+(,\d{1,2})?$/.test(value)) normal = value.replace(/\./g, '').replace(',', '.')
  else if (/^\d+(,\d{1,2})?$/.test(value)) normal = value.replace(',', '.')
  else if (/^\d+\.\d{1,2}$/.test(value)) normal = value
  else return null
  const [whole, fraction = ''] = normal.split('.')
  return Number(whole) * 100 + Number(fraction.padEnd(2, '0'))
}

export interface NewSale {
  municipality: string
  staffId: number
  category: SaleCategory
  description: string
  amount: Ore
  paymentMethod: PaymentMethod
  at: Date
}

export async function recordSale(db: Db, sale: NewSale) {
  const description = sale.description.trim()
  if (description === '') throw new ValidationError('description', 'say what was sold')
  if (!SALE_CATEGORIES.includes(sale.category)) throw new ValidationError('category', 'unknown')
  if (!PAYMENT_METHODS.includes(sale.paymentMethod)) throw new ValidationError('paymentMethod', 'unknown')
  if (!Number.isInteger(sale.amount) || sale.amount <= 0 || sale.amount > MAX_SALE) {
    throw new ValidationError('amount', `a whole number of øre from 1 to ${MAX_SALE}`)
  }
  return db
    .insertInto('cashSales')
    .values({
      municipality: sale.municipality,
      staffId: sale.staffId,
      soldAt: sale.at,
      businessDate: localDateOf(sale.at),
      category: sale.category,
      description,
      amount: sale.amount,
      paymentMethod: sale.paymentMethod,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
}

/** A day's sales, oldest first, with the total and the total by payment method. */
export async function salesOn(db: Db, municipality: string, date: LocalDate) {
  const sales = await db
    .selectFrom('cashSales')
    .innerJoin('staffAccounts', 'staffAccounts.id', 'cashSales.staffId')
    .selectAll('cashSales')
    .select('staffAccounts.name as staffName')
    .where('cashSales.municipality', '=', municipality)
    .where('cashSales.businessDate', '=', date)
    .orderBy('cashSales.soldAt')
    .orderBy('cashSales.id')
    .execute()
  const byMethod = new Map<PaymentMethod, Ore>()
  for (const sale of sales)
    byMethod.set(sale.paymentMethod, (byMethod.get(sale.paymentMethod) ?? 0) + sale.amount)
  return { sales, total: sales.reduce((sum, s) => sum + s.amount, 0), byMethod }
}
