// Danish library agency ids (ISIL `DK-` + 6 digits, as FBS uses them): `7`, the municipality's number and
// `00` for the municipality's public libraries. The FBS endpoint `POST /rest/sip2/{agency}` names one.

const AGENCY_IDS: Record<string, string> = {
  kobenhavn: 'DK-710100', // municipality 101
  gentofte: 'DK-715700', // 157
  koge: 'DK-725900', // 259
  naestved: 'DK-737000', // 370
}

/** The agency id of a municipality's libraries, e.g. `DK-710100`. */
export function agencyIdOf(municipality: string): string {
  return AGENCY_IDS[municipality] ?? `DK-${municipality}`
}

/** The municipality an agency id names, or null. Accepts `DK-710100` and `710100`. */
export function municipalityOfAgency(agency: string): string | null {
  const normalised = /^\d{6}$/.test(agency) ? `DK-${agency}` : agency.toUpperCase()
  for (const [municipality, id] of Object.entries(AGENCY_IDS)) if (id === normalised) return municipality
  return null
}
