import { PolicyCatalog } from '../policy/policy-catalog.ts'
import { readPolicyFiles } from '../policy/policy-files.ts'
import type { Policy } from '../policy/policy-schema.ts'

export const catalog = new PolicyCatalog(readPolicyFiles())

export function policyOf(municipality: 'kobenhavn' | 'gentofte' | 'naestved'): Policy {
  return catalog.inForce(municipality, '2026-06-01')
}
