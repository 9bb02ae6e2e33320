// Registration at the desk (002 "Indmeldelse"): adults with a CPR number (health card and photo ID) or a
// birth date; children under 18 with a parent's or guardian's signed consent, the guardian an adult patron;
// foreigners and conscripts with their identity paper (passport, driving licence, diplomatic card, military
// card, asylum seeker card, white card; a residence card as well); and institutions and companies by name,
// with no CPR number. Each registration is recorded with the staff member, and counts as a look-up.

import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { recordLookup } from '../desk/staff-lookups.ts'
import { birthDateFromCpr, InvalidCprError, normaliseCpr } from '../patrons/cpr.ts'
import { withCpr } from '../patrons/cpr-vault.ts'
import { findPatronByCard, findPatronByCardOrCpr } from '../patrons/patron-repository.ts'
import { registerPatron } from '../patrons/patron-service.ts'
import type { Services } from '../services.ts'
import { ValidationError } from '../shared/errors.ts'
import { ageOn, isLocalDate } from '../shared/time.ts'
import type { DeskHelpers, Params, StaffContext } from './desk-auth.ts'
import { cardText, field } from './desk-format.ts'
import { errorSummary } from './desk-layout.ts'
import { DESK_TEXTS } from './desk-texts.ts'
import { type Html, html } from './html.ts'
import { setFlash, takeFlash } from './web-sessions.ts'

type Kind = 'voksen' | 'barn' | 'udlaending' | 'institution'
const KINDS: readonly Kind[] = ['voksen', 'barn', 'udlaending', 'institution']
const ID_TYPES = [
  'passport',
  'driving-licence',
  'diplomatic-card',
  'military-card',
  'asylum-card',
  'white-card',
  'residence-card',
] as const

const FIELDS = [
  'name',
  'cpr',
  'birthDate',
  'cardNumber',
  'guardian',
  'consent',
  'idType',
  'idNumber',
  'pin',
  'email',
  'phone',
  'street',
  'postalCode',
  'city',
] as const
type Values = Record<(typeof FIELDS)[number], string>
type FormError = { field: string; text: string }

const isKind = (value: string): value is Kind => (KINDS as readonly string[]).includes(value)

export const deskRegistrationRoutes: FastifyPluginAsync<{
  services: Services
  helpers: DeskHelpers
}> = async (app, { services, helpers }) => {
  const { db, cprVault } = services
  const { requireStaff, render } = helpers

  app.get<{ Params: Params }>('/:municipality/skranke/opret', async (request, reply) => {
    const context = await requireStaff(request, reply, 'desk')
    if (!context) return reply
    const { t, base } = context
    const flash = await takeFlash(db, context.session)
    return render(
      request,
      reply,
      context,
      t.registerHeading,
      html`<h1>${t.registerHeading}</h1>
<h2>${t.registerChoose}</h2>
<ul class="choices">${KINDS.map(
        (kind) =>
          html`<li><a href="${base}/opret/${kind}">${t.kinds[kind]}</a> <span class="hint">${t.kindHints[kind]}</span></li>`,
      )}</ul>`,
      flash,
    )
  })

  function form(context: StaffContext, kind: Kind, values: Values, errors: FormError[]): Html {
    const { t, base } = context
    const invalid = (name: string) => errors.some((e) => e.field === name)
    const input = (
      name: keyof Values,
      label: string,
      options: {
        hint?: string | undefined
        type?: string
        required?: boolean
        inputmode?: string
        autocomplete?: string
      } = {},
    ) => html`<label for="${name}">${label}${options.hint && html` <span class="hint" id="${name}-hint">${options.hint}</span>`}</label>
  <input type="${options.type ?? 'text'}" id="${name}" name="${name}" value="${values[name]}"${options.required ? html` required` : ''}${options.inputmode ? html` inputmode="${options.inputmode}"` : ''} autocomplete="${options.autocomplete ?? 'off'}"${options.hint ? html` aria-describedby="${name}-hint"` : ''}${invalid(name) ? html` aria-invalid="true"` : ''}>`
    const person = kind === 'voksen' || kind === 'barn'
    return html`<h1>${t.registerHeading}: ${t.kinds[kind]}</h1>
<p>${t.kindHints[kind]}</p>
${errorSummary(t, errors)}
<form method="post" action="${base}/opret/${kind}" novalidate>
  <input type="hidden" name="_csrf" value="${context.csrf}">
  ${input('name', kind === 'institution' ? t.institutionName : t.name, { required: true })}
  ${person && input('cpr', t.cpr, { hint: t.cprHint, inputmode: 'numeric' })}
  ${kind !== 'institution' && input('birthDate', t.birthDate, { hint: kind === 'udlaending' ? 'ÅÅÅÅ-MM-DD' : t.birthDateHint, required: kind === 'udlaending' })}
  ${
    kind === 'udlaending' &&
    html`<label for="idType">${t.idType}</label>
  <select id="idType" name="idType" required${invalid('idType') ? html` aria-invalid="true"` : ''}>
    <option value="">${t.chooseOne}</option>
    ${ID_TYPES.map((type) => html`<option value="${type}"${values.idType === type ? html` selected` : ''}>${t.idTypes[type]}</option>`)}
  </select>
  ${input('idNumber', t.idNumber, { hint: t.idNumberHint })}`
  }
  ${
    kind === 'barn' &&
    html`${input('guardian', t.guardianField, { hint: t.guardianHint, required: true, inputmode: 'numeric' })}
  <label class="check"><input type="checkbox" id="consent" name="consent" value="1"${values.consent === '1' ? html` checked` : ''}${invalid('consent') ? html` aria-invalid="true"` : ''}> ${t.consent}</label>`
  }
  ${input('cardNumber', t.cardNumber, { hint: person ? t.cardNumberHint : undefined, required: !person, inputmode: 'numeric' })}
  ${input('pin', t.pin, { hint: t.pinHint, type: 'password', inputmode: 'numeric', autocomplete: 'new-password' })}
  ${input('email', t.email, { type: 'email', autocomplete: 'off' })}
  ${input('phone', t.phone, { type: 'tel' })}
  ${input('street', t.street)}
  ${input('postalCode', t.postalCode, { inputmode: 'numeric' })}
  ${input('city', t.city)}
  <div class="actions"><button type="submit">${t.create}</button></div>
</form>`
  }

  const empty = (): Values => Object.fromEntries(FIELDS.map((f) => [f, ''])) as Values

  app.get<{ Params: Params & { kind: string } }>(
    '/:municipality/skranke/opret/:kind',
    async (request, reply) => {
      const context = await requireStaff(request, reply, 'desk')
      if (!context) return reply
      const kind = request.params.kind
      if (!isKind(kind)) return helpers.notFound(request, reply, context.library)
      return render(request, reply, context, context.t.registerHeading, form(context, kind, empty(), []))
    },
  )

  app.post<{ Params: Params & { kind: string } }>(
    '/:municipality/skranke/opret/:kind',
    { preHandler: app.csrfProtection },
    async (request, reply) => {
      const context = await requireStaff(request, reply, 'desk')
      if (!context) return reply
      const kind = request.params.kind
      if (!isKind(kind)) return helpers.notFound(request, reply, context.library)
      const values = Object.fromEntries(FIELDS.map((f) => [f, field(request.body, f, 200)])) as Values
      const checked = await check(context, kind, values)
      if ('errors' in checked) return again(request, reply, context, kind, values, checked.errors)
      const { t } = context
      try {
        const patron = await db.transaction().execute(async (trx) => {
          const registered = await registerPatron(trx, cprVault, {
            municipality: context.library.code,
            at: context.now,
            name: values.name,
            ...(checked.cpr === undefined ? {} : { cpr: checked.cpr }),
            ...(checked.birthDate === undefined ? {} : { birthDate: checked.birthDate }),
            ...(values.cardNumber === '' ? {} : { cardNumber: values.cardNumber }),
            ...(values.pin === '' ? {} : { pin: values.pin }),
            email: values.email === '' ? null : values.email,
            phone: values.phone === '' ? null : values.phone,
            ...(values.street === ''
              ? {}
              : { address: { street: values.street, postalCode: values.postalCode, city: values.city } }),
            ...(checked.guardian === undefined ? {} : { guardian: checked.guardian }),
            ...(kind === 'institution' ? { patronType: 'institution' as const } : {}),
            ...(kind === 'udlaending'
              ? {
                  idDocument: {
                    type: values.idType,
                    ...(values.idNumber === '' ? {} : { number: values.idNumber }),
                  },
                }
              : {}),
          })
          await trx
            .insertInto('deskRegistrations')
            .values({
              patronId: registered.id,
              staffId: context.staff.id,
              kind: (
                {
                  voksen: 'adult',
                  barn: 'child',
                  udlaending: 'foreigner',
                  institution: 'institution',
                } as const
              )[kind],
              guardianConsent: kind === 'barn',
              registeredAt: context.now,
            })
            .execute()
          await recordLookup(trx, {
            municipality: context.library.code,
            staffId: context.staff.id,
            patronId: registered.id,
            reason: DESK_TEXTS.da.registrationReason,
            at: context.now,
          })
          return registered
        })
        await setFlash(db, context.session, {
          kind: 'ok',
          text: t.registered(patron.name, cardText(withCpr(cprVault, patron))),
        })
        return reply.redirect(`${context.base}/laanere/${patron.id}`, 303)
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error
        // A race with another registration, or a rule of registerPatron the checks above did not foresee.
        const text =
          error.field === 'cardNumber'
            ? t.cardTaken
            : error.field === 'guardian'
              ? t.guardianNotAdult
              : error.field === 'pin'
                ? t.invalidPin
                : error.field === 'cpr'
                  ? t.invalidCpr
                  : t.invalidBirthDate
        return again(request, reply, context, kind, values, [{ field: error.field, text }])
      }
    },
  )

  function again(
    request: FastifyRequest,
    reply: FastifyReply,
    context: StaffContext,
    kind: Kind,
    values: Values,
    errors: FormError[],
  ) {
    // The PIN is never sent back into the page.
    return render(
      request,
      reply,
      context,
      context.t.registerHeading,
      form(context, kind, { ...values, pin: '' }, errors),
      null,
      400,
    )
  }

  /** The form's rules in Danish (English), before registerPatron applies its own. */
  async function check(
    context: StaffContext,
    kind: Kind,
    values: Values,
  ): Promise<{ errors: FormError[] } | { cpr?: string; birthDate?: string; guardian?: string }> {
    const { t, today } = context
    const municipality = context.library.code
    const errors: FormError[] = []
    const add = (f: string, text: string) => errors.push({ field: f, text })
    if (values.name === '') add('name', t.required(kind === 'institution' ? t.institutionName : t.name))
    let cpr: string | undefined
    let birthDate: string | undefined
    if (kind === 'voksen' || kind === 'barn') {
      if (values.cpr !== '') {
        try {
          cpr = normaliseCpr(values.cpr)
          birthDate = birthDateFromCpr(cpr)
        } catch (error) {
          if (!(error instanceof InvalidCprError)) throw error
          add('cpr', t.invalidCpr)
        }
      }
      if (values.birthDate !== '') {
        if (!isLocalDate(values.birthDate)) add('birthDate', t.invalidBirthDate)
        else if (birthDate !== undefined && birthDate !== values.birthDate)
          add('birthDate', t.birthDateMismatch)
        else birthDate = values.birthDate
      }
      if (values.cpr === '' && values.birthDate === '') add('cpr', t.cprOrBirth)
      if (cpr !== undefined && (await findPatronByCardOrCpr(db, cprVault, municipality, cpr)))
        add('cpr', t.cprTaken)
    } else if (kind === 'udlaending') {
      if (values.birthDate === '') add('birthDate', t.required(t.birthDate))
      else if (!isLocalDate(values.birthDate)) add('birthDate', t.invalidBirthDate)
      else birthDate = values.birthDate
      if (!(ID_TYPES as readonly string[]).includes(values.idType)) add('idType', t.required(t.idType))
    }
    if (birthDate !== undefined && birthDate <= today) {
      const adult = ageOn(birthDate, today) >= 18
      if ((kind === 'voksen' || kind === 'udlaending') && !adult) add('birthDate', t.mustBeAdult)
      if (kind === 'barn' && adult) add('birthDate', t.mustBeChild)
    } else if (birthDate !== undefined) add('birthDate', t.invalidBirthDate)
    if (values.cardNumber === '' && cpr === undefined) {
      if (kind !== 'voksen' && kind !== 'barn') add('cardNumber', t.required(t.cardNumber))
      else if (values.cpr === '') add('cardNumber', t.cardNumberRequired)
    }
    if (values.cardNumber !== '' && (await findPatronByCard(db, municipality, values.cardNumber))) {
      add('cardNumber', t.cardTaken)
    }
    let guardian: string | undefined
    if (kind === 'barn') {
      if (values.guardian === '') add('guardian', t.required(t.guardianField))
      else {
        const found = await findPatronByCardOrCpr(db, cprVault, municipality, values.guardian)
        if (!found) add('guardian', t.guardianUnknown)
        else if (found.patronType === 'institution' || ageOn(found.birthDate, today) < 18)
          add('guardian', t.guardianNotAdult)
        else guardian = found.cardNumber
      }
      if (values.consent !== '1') add('consent', t.consentMissing)
    }
    if (values.pin !== '' && !/^\d{4,8}$/.test(values.pin)) add('pin', t.invalidPin)
    if (values.email !== '' && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(values.email)) add('email', t.invalidEmail)
    const address = [values.street, values.postalCode, values.city]
    if (address.some((v) => v !== '') && address.some((v) => v === '')) add('street', t.addressIncomplete)
    if (errors.length > 0) return { errors }
    return {
      ...(cpr === undefined ? {} : { cpr }),
      ...(birthDate === undefined ? {} : { birthDate }),
      ...(guardian === undefined ? {} : { guardian }),
    }
  }
}
