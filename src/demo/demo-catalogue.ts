import type { MaterialType } from '../catalogue/material-types.ts'

/** Titles and authors (or makers) per material type; the demo catalogue cycles through them. */
export const DEMO_TITLES: Record<MaterialType, readonly (readonly [string, string | null])[]> = {
  book: [
    ['Kongens Fald', 'Johannes V. Jensen'],
    ['Pelle Erobreren', 'Martin Andersen Nexø'],
    ['Niels Lyhne', 'J.P. Jacobsen'],
    ['Lykke-Per', 'Henrik Pontoppidan'],
    ['Den afrikanske Farm', 'Karen Blixen'],
    ['Frøken Smillas fornemmelse for sne', 'Peter Høeg'],
    ['Barndommens gade', 'Tove Ditlevsen'],
    ['Hærværk', 'Tom Kristensen'],
    ['Det forsømte forår', 'Hans Scherfig'],
    ['Ditte Menneskebarn', 'Martin Andersen Nexø'],
    ['Kvinden i buret', 'Jussi Adler-Olsen'],
    ['Eventyr og historier', 'H.C. Andersen'],
  ],
  'quick-loan': [
    ['Kastanjemanden', 'Søren Sveistrup'],
    ['Fasandræberne', 'Jussi Adler-Olsen'],
    ['Flaskepost fra P', 'Jussi Adler-Olsen'],
    ['Journal 64', 'Jussi Adler-Olsen'],
    ['Marco Effekten', 'Jussi Adler-Olsen'],
  ],
  comic: [
    ['Valhalla: Ulven er løs', 'Peter Madsen'],
    ['Valhalla: Thors brudefærd', 'Peter Madsen'],
    ['Rasmus Klump på eventyr', 'Carla og Vilhelm Hansen'],
    ['Poeten og Lillemor', 'Jørgen Mogensen'],
    ['Anders And & Co. – julealbum', 'Walt Disney'],
  ],
  magazine: [
    ['Illustreret Videnskab', null],
    ['Ud & Se', null],
    ['Alt for damerne', null],
    ['Geografisk Magasin', null],
    ['Bo Bedre', null],
  ],
  'bound-volume': [
    ['Illustreret Videnskab, årgang 2019', null],
    ['Illustreret Videnskab, årgang 2020', null],
    ['Geografisk Magasin, årgang 2018', null],
    ['Ud & Se, årgang 2021', null],
  ],
  composite: [
    ['Dansk for udlændinge – bog med cd', 'Studieskolen'],
    ['Tysk på rejsen – bog og lydbånd', 'Gyldendal'],
    ['Fransk for begyndere – bog med cd', 'Gyldendal'],
  ],
  'language-course-av': [
    ['Spansk for begyndere (dvd)', 'DR'],
    ['Italiensk på 30 dage (cd-rom)', 'Gyldendal'],
    ['Engelsk for voksne (dvd)', 'Studieskolen'],
  ],
  audiobook: [
    ['Kongens Fald (lydbog)', 'Johannes V. Jensen'],
    ['Barndommens gade (lydbog)', 'Tove Ditlevsen'],
    ['Kvinden i buret (lydbog)', 'Jussi Adler-Olsen'],
    ['Eventyr og historier (lydbog)', 'H.C. Andersen'],
  ],
  music: [
    ['Midt om natten', 'Kim Larsen'],
    ['Gas 5', "Gasolin'"],
    ['Nærmest lykkelig', 'TV-2'],
    ['Symfoni nr. 4 "Det uudslukkelige"', 'Carl Nielsen'],
    ['Velkommen til Medina', 'Medina'],
    ['Lukas Graham', 'Lukas Graham'],
  ],
  film: [
    ['Jagten', 'Thomas Vinterberg'],
    ['Festen', 'Thomas Vinterberg'],
    ['Druk', 'Thomas Vinterberg'],
    ['Babettes gæstebud', 'Gabriel Axel'],
    ['Italiensk for begyndere', 'Lone Scherfig'],
    ['Olsen-banden på sporet', 'Erik Balling'],
  ],
  game: [
    ['Inside (pc)', 'Playdead'],
    ['Limbo (pc)', 'Playdead'],
    ['Mario Kart 8 Deluxe (Switch)', 'Nintendo'],
    ['Minecraft (PlayStation)', 'Mojang'],
  ],
  'cd-rom': [
    ['Den Store Danske (cd-rom)', 'Gyldendal'],
    ['Nudansk Ordbog (cd-rom)', 'Politikens Forlag'],
    ['Danmarks fugle (cd-rom)', 'Dansk Ornitologisk Forening'],
  ],
  'art-print': [
    ['Uden titel, litografi', 'Asger Jorn'],
    ['Stue med solskin, reproduktion', 'Vilhelm Hammershøi'],
    ['Landskab, serigrafi', 'Per Kirkeby'],
    ['Fugl, litografi', 'Carl-Henning Pedersen'],
  ],
  newspaper: [
    ['Politiken', null],
    ['Berlingske', null],
    ['Jyllands-Posten', null],
    ['Sjællandske', null],
  ],
  other: [
    ['Matador – brætspil', null],
    ['Symaskine', null],
    ['Ukulele', null],
    ['Kikkert 10×42', null],
  ],
}

/** A seeded pseudo-random generator (mulberry32): the same demo data on every first start. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
