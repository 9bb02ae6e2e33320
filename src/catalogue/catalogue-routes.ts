import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { RefusalError } from '../circulation/refusal.ts'
import type { RouteOptions } from '../http/app.ts'
import { ItemParams, MunicipalityParams, responses } from '../http/schemas.ts'
import { addItem } from './catalogue-service.ts'
import { ItemView, itemView } from './item-queries.ts'
import { findItemByBarcode } from './item-repository.ts'
import { MATERIAL_TYPES } from './material-types.ts'

const AddItemBody = Type.Object(
  {
    barcode: Type.String({ minLength: 1 }),
    title: Type.Optional(
      Type.String({ minLength: 1, description: 'copies with the same title share a reservation queue' }),
    ),
    author: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    materialType: Type.Union(
      MATERIAL_TYPES.map((t) => Type.Literal(t)),
      { description: 'a material type code' },
    ),
    units: Type.Optional(Type.Integer({ minimum: 1, description: 'audiobook discs' })),
    price: Type.Optional(
      Type.Union([Type.Integer({ minimum: 0, description: 'replacement price, øre' }), Type.Null()]),
    ),
    referenceOnly: Type.Optional(Type.Boolean()),
    gmb: Type.Optional(
      Type.String({ minLength: 1, description: 'general material designation (default from the type)' }),
    ),
    smb: Type.Optional(
      Type.String({ minLength: 1, description: 'specific material designation (default from the type)' }),
    ),
    dk5: Type.Optional(Type.String({ minLength: 1, description: 'DK5 classification, e.g. sk or 99.4' })),
    ill: Type.Optional(
      Type.Object(
        {
          lendingLibrary: Type.Optional(Type.String({ minLength: 1 })),
          loanDays: Type.Optional(Type.Integer({ minimum: 1 })),
          maxRenewals: Type.Optional(Type.Integer({ minimum: 0 })),
          price: Type.Optional(Type.Integer({ minimum: 0 })),
        },
        { additionalProperties: false, description: 'an interlibrary loan' },
      ),
    ),
  },
  { additionalProperties: false },
)

export const catalogueRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { services }) => {
  const { db } = services

  app.post(
    '/items',
    {
      schema: {
        tags: ['catalogue'],
        summary: 'Add an item',
        params: MunicipalityParams,
        body: AddItemBody,
        response: responses({ 201: ItemView }),
      },
    },
    async (request, reply) => {
      const { municipality } = request.params
      const view = await db.transaction().execute(async (trx) => {
        const item = await addItem(trx, { ...request.body, municipality })
        return itemView(trx, item)
      })
      return reply.status(201).send(view)
    },
  )

  app.get(
    '/items/:item',
    {
      schema: {
        tags: ['catalogue'],
        summary: 'An item, its status and due date',
        params: ItemParams,
        response: responses({ 200: ItemView }),
      },
    },
    async (request) => {
      const { municipality, item } = request.params
      return db.transaction().execute(async (trx) => {
        const row = await findItemByBarcode(trx, municipality, item)
        if (!row) throw new RefusalError('unknown-item')
        return itemView(trx, row)
      })
    },
  )
}
