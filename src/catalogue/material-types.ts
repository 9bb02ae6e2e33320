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
