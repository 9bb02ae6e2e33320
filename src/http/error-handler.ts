import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { RefusalError } from '../circulation/refusal.ts'
import { UnknownMunicipalityError } from '../policy/policy-catalog.ts'
import { RECEIVABLES_NOT_FOUND, ReceivablesRefusal } from '../receivables/receivables-refusal.ts'
import { ValidationError } from '../shared/errors.ts'
import { ApiError, unknownMunicipality } from './api-error.ts'

export interface ErrorAnswer {
  status: number
  body: { error: string; message: { da: string; en: string }; field?: string }
}

interface SchemaIssue {
  keyword: string
  instancePath: string
  params: Record<string, unknown>
  message?: string | undefined
}

const NOT_FOUND_REFUSALS = new Set(['unknown-patron', 'unknown-item'])

function fieldOf(issue: SchemaIssue): string {
  const path = issue.instancePath.split('/').filter(Boolean)
  const missing = issue.params.missingProperty
  if (issue.keyword === 'required' && typeof missing === 'string') path.push(missing)
  const extra = issue.params.additionalProperty
  if (issue.keyword === 'additionalProperties' && typeof extra === 'string') path.push(extra)
  return path.join('.')
}

function danishIssue(issue: SchemaIssue, field: string): string {
  switch (issue.keyword) {
    case 'required':
      return `Feltet "${field}" mangler.`
    case 'type':
      return `Feltet "${field}" har forkert type (forventet ${String(issue.params.type)}).`
    case 'minimum':
    case 'exclusiveMinimum':
      return `Feltet "${field}" er for lille.`
    case 'maximum':
    case 'exclusiveMaximum':
      return `Feltet "${field}" er for stort.`
    case 'minLength':
      return `Feltet "${field}" er for kort.`
    case 'maxLength':
      return `Feltet "${field}" er for langt.`
    case 'pattern':
    case 'format':
      return `Feltet "${field}" har et ugyldigt format.`
    case 'additionalProperties':
      return `Feltet "${field}" kendes ikke.`
    default:
      return `Feltet "${field}" er ugyldigt.`
  }
}

function schemaAnswer(error: FastifyError): ErrorAnswer {
  const issue = (error.validation?.[0] ?? { keyword: '', instancePath: '', params: {} }) as SchemaIssue
  const where = error.validationContext ?? 'body'
  const field = fieldOf(issue) || where
  const path = field === where ? where : `${where}.${field}`
  return {
    status: 400,
    body: {
      error: 'validation',
      field,
      message: { da: danishIssue(issue, field), en: `${path}: ${issue.message ?? 'is invalid'}` },
    },
  }
}

function validationAnswer(error: ValidationError): ErrorAnswer {
  const message = error.message.slice(error.field.length + 2)
  return {
    status: 400,
    body: {
      error: 'validation',
      field: error.field,
      message: { da: `Feltet "${error.field}" er ugyldigt: ${message}`, en: error.message },
    },
  }
}

const INTERNAL: ErrorAnswer = {
  status: 500,
  body: {
    error: 'internal',
    message: {
      da: 'Der opstod en uventet fejl. Prøv igen, eller kontakt biblioteket.',
      en: 'An unexpected error occurred.',
    },
  },
}

/** Fastify's own client errors (bad JSON, unsupported media type, body too large …). */
function clientAnswer(error: FastifyError, status: number): ErrorAnswer {
  return {
    status,
    body: {
      error: 'bad-request',
      message: { da: 'Forespørgslen kunne ikke læses.', en: error.message },
    },
  }
}

/**
 * PostgreSQL's "data exception" class (22xxx: a number out of range, a date that does not exist, text it
 * cannot hold) is raised by values a caller sent that the schemas let through; the transaction is rolled
 * back, so the caller gets a 400 rather than a 500.
 */
function isDataException(error: unknown): boolean {
  const { code, severity } = (error ?? {}) as { code?: unknown; severity?: unknown }
  return typeof code === 'string' && /^22[0-9A-Z]{3}$/.test(code) && typeof severity === 'string'
}

const INVALID_VALUE: ErrorAnswer = {
  status: 400,
  body: {
    error: 'validation',
    message: {
      da: 'En af værdierne i forespørgslen er uden for det tilladte (for stor, for lille eller ugyldig).',
      en: 'A value in the request is out of range or invalid.',
    },
  },
}

/** Maps any error to its JSON answer; only a 500 hides the message. */
export function errorAnswer(error: unknown): ErrorAnswer {
  if (error instanceof RefusalError) {
    return {
      status: NOT_FOUND_REFUSALS.has(error.code) ? 404 : 409,
      body: { error: error.code, message: { da: error.messageDa, en: error.messageEn } },
    }
  }
  if (error instanceof ReceivablesRefusal) {
    return {
      status: RECEIVABLES_NOT_FOUND.has(error.code) ? 404 : 409,
      body: { error: error.code, message: { da: error.messageDa, en: error.messageEn } },
    }
  }
  if (error instanceof ApiError) {
    return {
      status: error.statusCode,
      body: { error: error.code, message: { da: error.messageDa, en: error.messageEn } },
    }
  }
  if (error instanceof ValidationError) return validationAnswer(error)
  if (isDataException(error)) return INVALID_VALUE
  if (error instanceof UnknownMunicipalityError) return errorAnswer(unknownMunicipality(error.municipality))
  const fastifyError = error as FastifyError
  if (fastifyError?.validation) return schemaAnswer(fastifyError)
  const status = fastifyError?.statusCode
  if (typeof status === 'number' && status >= 400 && status < 500) return clientAnswer(fastifyError, status)
  return INTERNAL
}

export async function handleError(error: unknown, request: FastifyRequest, reply: FastifyReply) {
  const answer = errorAnswer(error)
  if (answer.status >= 500) request.log.error({ err: error }, 'unexpected error')
  return reply.status(answer.status).send(answer.body)
}
