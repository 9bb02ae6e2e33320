import type { Kysely } from 'kysely'
import type { Database, ItemRow } from '../db/schema.ts'
import { ValidationError } from '../shared/errors.ts'
import { findItemByBarcode, insertItem } from './item-repository.ts'
import { isMaterialType, MATERIAL_TYPES } from './material-types.ts'

type Trx = Kysely<Database>

export interface AddItemInput {
  municipality: string
  barcode: string
  title?: string | undefined
  author?: string | null | undefined
  materialType: string
  units?: number | undefined
  price?: number | null | undefined
  referenceOnly?: boolean | undefined
  /** General and specific material designation, when not those of the material type. */
  gmb?: string | null | undefined
  smb?: string | null | undefined
  /** DK5 classification (`sk` for fiction, `99.4` …). */
  dk5?: string | null | undefined
  ill?:
    | {
        lendingLibrary?: string | undefined
        loanDays?: number | undefined
        maxRenewals?: number | undefined
        price?: number | undefined
      }
    | undefined
}

export async function addItem(trx: Trx, input: AddItemInput): Promise<ItemRow> {
  if (!isMaterialType(input.materialType)) {
    throw new ValidationError('materialType', `one of ${MATERIAL_TYPES.join(', ')}`)
  }
  if (await findItemByBarcode(trx, input.municipality, input.barcode)) {
    throw new ValidationError('barcode', `item ${input.barcode} already exists`)
  }
  return insertItem(trx, {
    municipality: input.municipality,
    barcode: input.barcode,
    // An item without a title is its own title: its own reservation queue.
    title: input.title ?? `#${input.barcode}`,
    author: input.author ?? null,
    materialType: input.materialType,
    units: input.units ?? 1,
    price: input.price ?? null,
    referenceOnly: input.referenceOnly ?? false,
    illLendingLibrary: input.ill ? (input.ill.lendingLibrary ?? 'fjernlån') : null,
    illLoanDays: input.ill?.loanDays ?? null,
    illMaxRenewals: input.ill?.maxRenewals ?? null,
    illPrice: input.ill?.price ?? null,
    gmb: input.gmb ?? null,
    smb: input.smb ?? null,
    dk5: input.dk5 ?? null,
  })
}
