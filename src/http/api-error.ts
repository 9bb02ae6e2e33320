/** An HTTP answer that is not a refusal of the rules: wrong key, unknown municipality, unknown route. */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    readonly messageDa: string,
    readonly messageEn: string,
  ) {
    super(messageEn)
  }
}

export const unknownMunicipality = (municipality: string) =>
  new ApiError(
    404,
    'unknown-municipality',
    `Kommunen "${municipality}" findes ikke i laan.`,
    `Unknown municipality: ${municipality}.`,
  )
