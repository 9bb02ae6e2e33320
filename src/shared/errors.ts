/** Bad input from a caller (HTTP 400, a scenario file, the CLI), naming the field at fault. */
export class ValidationError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`)
  }
}

/** Zod issues as field paths; an unknown key is named by its own path. */
export function issuePaths(
  issues: readonly {
    code: string
    path: readonly PropertyKey[]
    message: string
    keys?: readonly string[]
  }[],
  format: (path: readonly PropertyKey[]) => string,
): { path: string; message: string }[] {
  return issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys' && issue.keys
      ? issue.keys.map((key) => ({ path: format([...issue.path, key]), message: 'unknown field' }))
      : [{ path: format(issue.path), message: issue.message }],
  )
}
