export const MATERIAL_TYPES = [
  'book',
  'quick-loan',
  'comic',
  'magazine',
  'bound-volume',
  'composite',
  'language-course-av',
  'audiobook',
  'music',
  'film',
  'game',
  'cd-rom',
  'art-print',
  'newspaper',
  'other',
] as const

export type MaterialType = (typeof MATERIAL_TYPES)[number]

export const DANISH_MATERIAL_NAMES: Record<MaterialType, string> = {
  book: 'bog',
  'quick-loan': 'kvikbog',
  comic: 'tegneserie',
  magazine: 'tidsskrift',
  'bound-volume': 'indbundet årgang af tidsskrift',
  composite: 'sammensat materiale',
  'language-course-av': 'sprogkursus med video/cd-rom/dvd',
  audiobook: 'lydbog',
  music: 'musik',
  film: 'film',
  game: 'spil',
  'cd-rom': 'cd-rom',
  'art-print': 'grafik',
  newspaper: 'avis',
  other: 'øvrige materialer',
}

export function isMaterialType(value: string): value is MaterialType {
  return (MATERIAL_TYPES as readonly string[]).includes(value)
}

/**
 * The Danish general and specific material designations (GMB, SMB) FBS kiosks show, by material type; an
 * item may carry its own. Assumed from the designations in danbib (`bog` / `Bog`, `film` / `dvd`).
 */
export const MATERIAL_DESIGNATIONS: Record<MaterialType, { gmb: string; smb: string }> = {
  book: { gmb: 'bog', smb: 'Bog' },
  'quick-loan': { gmb: 'bog', smb: 'Bog' },
  comic: { gmb: 'bog', smb: 'Tegneserie' },
  magazine: { gmb: 'periodikum', smb: 'Tidsskrift' },
  'bound-volume': { gmb: 'periodikum', smb: 'Årgang' },
  composite: { gmb: 'sammensat materiale', smb: 'Sammensat materiale' },
  'language-course-av': { gmb: 'sprogkursus', smb: 'Sprogkursus' },
  audiobook: { gmb: 'lydbog', smb: 'Lydbog (cd)' },
  music: { gmb: 'musik', smb: 'cd' },
  film: { gmb: 'film', smb: 'dvd' },
  game: { gmb: 'spil', smb: 'Spil' },
  'cd-rom': { gmb: 'cd-rom', smb: 'cd-rom' },
  'art-print': { gmb: 'billede', smb: 'Kunsttryk' },
  newspaper: { gmb: 'periodikum', smb: 'Avis' },
  other: { gmb: 'andet', smb: 'Andet' },
}
