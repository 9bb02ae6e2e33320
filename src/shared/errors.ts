/** Bad input from a caller (HTTP 400, a scenario file, the CLI), naming the field at fault. */
export class ValidationError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`)
  }
}

export class NotFoundError extends Error {
  constructor(
    readonly what: string,
    readonly key: string,
  ) {
    super(`${what} not found: ${key}`)
  }
}
