import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type Policy, parsePolicy, parsePolicyYaml } from './policy-schema.ts'

export const POLICY_DIR = fileURLToPath(new URL('../../policies/', import.meta.url))

/** Reads and validates every policy version in a folder; an invalid file throws naming the file and field. */
export function readPolicyFiles(dir = POLICY_DIR): Policy[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.yaml') || name.endsWith('.yml'))
    .sort()
    .map((name) => parsePolicy(parsePolicyYaml(readFileSync(join(dir, name), 'utf8'), name), name))
}
