import type { RefusalCode } from './loan-rules.ts'

/** Each refusal in Danish and English. */
export const REFUSAL_MESSAGES: Record<RefusalCode, { da: string; en: string }> = {
  blocked: {
    da: 'Du er blokeret som låner og kan ikke låne, forny eller reservere.',
    en: 'The patron is blocked.',
  },
  'card-lost': { da: 'Kortet er meldt bortkommet og er spærret.', en: 'The card has been reported lost.' },
  'reference-only': {
    da: 'Materialet kan kun bruges på biblioteket og kan ikke lånes med hjem.',
    en: 'The item is for use in the library only.',
  },
  'not-available': {
    da: 'Materialet er udlånt eller reserveret til en anden låner.',
    en: 'The item is on loan or held for another patron.',
  },
  'not-on-loan': { da: 'Materialet er ikke registreret som udlånt.', en: 'The item is not on loan.' },
  reserved: {
    da: 'Materialet er reserveret af en anden låner og kan ikke fornys.',
    en: 'Another patron has reserved the title.',
  },
  'renewal-limit': {
    da: 'Lånet er fornyet det største antal gange.',
    en: 'The renewal limit has been reached.',
  },
  overdue: {
    da: 'Afleveringsfristen er overskredet, så lånet kan ikke fornys.',
    en: 'The loan is overdue and cannot be renewed.',
  },
  'unknown-patron': { da: 'Låneren findes ikke.', en: 'Unknown patron.' },
  'unknown-item': { da: 'Materialet findes ikke.', en: 'Unknown item.' },
}

/** A circulation request the rules refuse: not a failure, an answer with a code. */
export class RefusalError extends Error {
  readonly messageDa: string
  readonly messageEn: string
  constructor(readonly code: RefusalCode) {
    const text = REFUSAL_MESSAGES[code]
    super(text.en)
    this.messageDa = text.da
    this.messageEn = text.en
  }
}
