// The words of every notice, in Danish and English: subject, plain text, HTML and a short SMS text, all
// made from the same blocks so they say the same. Pure: the caller gives the library's name and contact
// lines (policies/<municipality>.yaml `name`, policies/receivables/<municipality>.yaml `contacts`), the
// patron, the items and the kind's own facts.

import { isValidPaymentId } from '../receivables/fik.ts'
import { formatKroner, type Ore } from '../shared/money.ts'
import { formatDanishDate, formatEnglishDate, isLocalDate, type LocalDate } from '../shared/time.ts'
import type { NoticeLanguage } from './notice-message.ts'

export interface LibraryContact {
  /** e.g. "Københavns Biblioteker" */
  libraryName: string
  phone?: string
  email?: string
  /** The library's website, where Min side is, e.g. "bibliotek.kk.dk". */
  web?: string
  /** What the municipality calls its payment site: "Mit Betalingsoverblik" (default); Gentofte says "Min betalingsoversigt". */
  paymentPortal?: string
}

/** Whom to ask about paying a bill (policies/receivables/*.yaml `contacts.payment`). */
export interface PaymentContact {
  who: string
  phone?: string
  web?: string
}

export interface NoticeItem {
  title: string
  author?: string
  /** The loan's due date (reminder, recall). */
  dueDate?: LocalDate
  /** The last day a reservation can be collected. */
  pickupBy?: LocalDate
  /** The branch where the reservation waits. */
  library?: string
}

interface NoticeBase {
  language: NoticeLanguage
  library: LibraryContact
  patronName: string
}

interface ClaimFacts {
  /** Øre to pay now. */
  amount: Ore
  /** FIK 71 payment ID, 15 digits. */
  paymentId: string
  deadline: LocalDate
  /** The FIK code line "+71<…+…<", for paying in the netbank. */
  paymentLine?: string
  paymentContact?: PaymentContact
  /** What the claim is for. */
  items?: NoticeItem[]
}

export type NoticeInput =
  /** Every loan due on the same day. */
  | (NoticeBase & { kind: 'reminder'; items: NoticeItem[] })
  /** Every overdue loan. */
  | (NoticeBase & { kind: 'recall'; items: NoticeItem[] })
  /** `postage`: København charges the postage of a letter, even if nothing is collected (002). */
  | (NoticeBase & { kind: 'reservation-ready'; items: NoticeItem[]; postage?: Ore })
  /** The written warning 7 days before an exclusion (København, 002). */
  | (NoticeBase & {
      kind: 'exclusion-warning'
      exclusionDate: LocalDate
      /** Øre owed in fees now. */
      balance: Ore
      /** Øre from which a patron is excluded. */
      threshold: Ore
      items?: NoticeItem[]
    })
  | (NoticeBase & { kind: 'bill' } & ClaimFacts)
  | (NoticeBase & { kind: 'dunning-letter'; fee: Ore; letterNumber?: number } & ClaimFacts)
  /** The written notice before a claim goes to Gældsstyrelsen for collection. */
  | (NoticeBase & { kind: 'collection-notice' } & ClaimFacts)
  | (NoticeBase & { kind: 'refund'; amount: Ore; payoutDate?: LocalDate; items?: NoticeItem[] })

export interface RenderedNotice {
  subject: string
  text: string
  html: string
  /** Short, plain text for an SMS (no curly quotes or dashes, which would halve its length). */
  sms: string
}

/** The input cannot make a notice: a bug in the caller or its data. */
export class NoticeTemplateError extends Error {
  override name = 'NoticeTemplateError'
}

type Block =
  | { type: 'p'; text: string }
  | { type: 'lines'; lines: string[] }
  | { type: 'list'; items: string[] }
  | { type: 'facts'; rows: [label: string, value: string][] }

interface Parts {
  subject: string
  blocks: Block[]
  sms: string
}

const DEFAULT_PORTAL = 'Mit Betalingsoverblik'
const SMS_TITLE_LENGTH = 40

/** "DKK 120", "DKK 1,234.50" */
export function formatEnglishKroner(amount: Ore): string {
  const abs = Math.abs(amount)
  const ore = abs % 100
  const whole = String((abs - ore) / 100).replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  return `${amount < 0 ? '-' : ''}DKK ${whole}${ore === 0 ? '' : `.${String(ore).padStart(2, '0')}`}`
}

/** One line of text: runs of white space (newlines from a catalogue record, say) become one space. */
function clean(value: string): string {
  return value.replace(/\s+/g, ' ').trim()
}

function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
}

/** A title for an SMS: plain quotes, cut at 40 characters. */
function smsTitle(title: string): string {
  const t = clean(title)
  const chars = [...t]
  return `"${
    chars.length <= SMS_TITLE_LENGTH
      ? t
      : `${chars
          .slice(0, SMS_TITLE_LENGTH - 3)
          .join('')
          .trimEnd()}...`
  }"`
}

function itemName(item: NoticeItem): string {
  const author = item.author === undefined ? '' : clean(item.author)
  return author === '' ? clean(item.title) : `${clean(item.title)} (${author})`
}

function earliest(dates: (LocalDate | undefined)[]): LocalDate | undefined {
  return dates.filter((d): d is LocalDate => d !== undefined).sort()[0]
}

function distinct(values: (string | undefined)[]): string[] {
  return [...new Set(values.filter((v): v is string => v !== undefined && clean(v) !== '').map(clean))]
}

// ---------------------------------------------------------------------------------------------------------
// The two languages

interface Language {
  render(input: NoticeInput, library: LibraryContact): Parts
}

function signOff(library: LibraryContact, regards: string, phoneLabel: string): Block {
  const contact = [
    library.phone === undefined ? undefined : `${phoneLabel} ${clean(library.phone)}`,
    library.email,
    library.web,
  ]
    .filter((v): v is string => v !== undefined && clean(v) !== '')
    .map(clean)
  return {
    type: 'lines',
    lines: [regards, clean(library.libraryName), ...(contact.length > 0 ? [contact.join(' · ')] : [])],
  }
}

const p = (text: string): Block => ({ type: 'p', text })

const DA: Language = {
  render(input, library) {
    const lib = clean(library.libraryName)
    const portal = clean(library.paymentPortal ?? DEFAULT_PORTAL)
    const name = clean(input.patronName)
    const hello = p(name === '' ? 'Hej' : `Hej ${name}`)
    const dear = p(name === '' ? 'Kære låner' : `Kære ${name}`)
    const minSide =
      library.web === undefined ? 'Min side på bibliotekets hjemmeside' : `Min side på ${clean(library.web)}`
    const d = formatDanishDate
    const kr = formatKroner
    const end = signOff(library, 'Venlig hilsen', 'Tlf.')
    const itemList = (items: NoticeItem[] | undefined, line = itemName): Block[] =>
      items === undefined || items.length === 0 ? [] : [{ type: 'list', items: items.map(line) }]
    const payWays = (facts: ClaimFacts): Block[] => [
      p(
        `Du kan betale i ${portal}, hvor du logger på med MitID, eller i din netbank med betalings-ID ${facts.paymentId}.`,
      ),
      ...(facts.paymentContact === undefined
        ? []
        : [
            p(
              `Har du spørgsmål til betalingen, kan du kontakte ${contactText(facts.paymentContact, 'på tlf.', 'eller på')}.`,
            ),
          ]),
    ]
    const claimFacts = (facts: ClaimFacts, amountLabel: string): Block => ({
      type: 'facts',
      rows: [
        [amountLabel, kr(facts.amount)],
        ['Betalings-ID', facts.paymentId],
        ...(facts.paymentLine === undefined
          ? []
          : ([['Kodelinje', clean(facts.paymentLine)]] as [string, string][])),
        ['Betalingsfrist', d(facts.deadline)],
      ],
    })

    switch (input.kind) {
      case 'reminder': {
        const due = earliest(input.items.map((i) => i.dueDate))
        const one = input.items.length === 1 ? input.items[0] : undefined
        return {
          subject:
            due === undefined
              ? 'Påmindelse: husk at aflevere dine lån'
              : `Påmindelse: dine lån skal afleveres ${d(due)}`,
          blocks: [
            hello,
            p(
              input.items.length === 1
                ? 'Lånetiden udløber snart for dette materiale:'
                : 'Lånetiden udløber snart for disse materialer:',
            ),
            ...itemList(input.items, (i) =>
              i.dueDate === undefined ? itemName(i) : `${itemName(i)} – afleveres senest ${d(i.dueDate)}`,
            ),
            p(
              one === undefined
                ? `Du kan forny lånene på ${minSide} eller i appen Biblioteket, hvis ingen andre har reserveret dem. Du kan også aflevere dem på biblioteket.`
                : `Du kan forny lånet på ${minSide} eller i appen Biblioteket, hvis ingen andre har reserveret det. Du kan også aflevere det på biblioteket.`,
            ),
            p(
              'Husk, at det altid er dit eget ansvar at aflevere til tiden. Afleverer du for sent, skal du betale gebyr.',
            ),
            end,
          ],
          sms: `${lib}: ${one === undefined ? `${input.items.length} lån skal` : `${smsTitle(one.title)} skal`} afleveres${due === undefined ? ' snart' : ` senest ${d(due)}`}. Forny på Min side eller i appen Biblioteket, eller aflever på biblioteket.`,
        }
      }
      case 'recall': {
        const one = input.items.length === 1 ? input.items[0] : undefined
        return {
          subject:
            input.items.length === 1
              ? 'Hjemkaldelse: du har et lån, der skulle have været afleveret'
              : `Hjemkaldelse: du har ${input.items.length} lån, der skulle have været afleveret`,
          blocks: [
            hello,
            p(
              input.items.length === 1
                ? 'Lånetiden er overskredet for dette materiale:'
                : 'Lånetiden er overskredet for disse materialer:',
            ),
            ...itemList(input.items, (i) =>
              i.dueDate === undefined
                ? itemName(i)
                : `${itemName(i)} – skulle have været afleveret ${d(i.dueDate)}`,
            ),
            p(
              `Aflever ${one === undefined ? 'dem' : 'det'} hurtigst muligt på biblioteket. Du betaler gebyr for at aflevere for sent, og gebyret bliver større, jo længere tid der går. Bliver ${one === undefined ? 'materialerne' : 'materialet'} ikke afleveret, skal du betale erstatning.`,
            ),
            p(
              `Du kan se dine lån på ${minSide}. Har du allerede afleveret, kan du se bort fra denne besked.`,
            ),
            end,
          ],
          sms: `${lib}: ${one === undefined ? `${input.items.length} lån` : smsTitle(one.title)} skulle have været afleveret${one?.dueDate === undefined ? '' : ` ${d(one.dueDate)}`}. Aflever hurtigst muligt - gebyret stiger, jo længere tid der går.`,
        }
      }
      case 'reservation-ready': {
        const one = input.items.length === 1 ? input.items[0] : undefined
        const pickupBy = earliest(input.items.map((i) => i.pickupBy))
        const branches = distinct(input.items.map((i) => i.library))
        const where = branches.length === 1 ? ` på ${branches[0]}` : ''
        return {
          subject: one === undefined ? 'Dine reserveringer kan hentes' : 'Din reservering kan hentes',
          blocks: [
            hello,
            p('Det, du har reserveret, er klar til at blive hentet:'),
            ...itemList(input.items, (i) =>
              [
                itemName(i),
                i.library === undefined ? undefined : `hentes på ${clean(i.library)}`,
                i.pickupBy === undefined ? undefined : `senest ${d(i.pickupBy)}`,
              ]
                .filter((v) => v !== undefined)
                .join(' – '),
            ),
            p(
              'Husk dit lånerkort eller sundhedskort. Bliver det ikke hentet inden fristen, går det videre til den næste, der venter.',
            ),
            ...(input.postage === undefined
              ? []
              : [
                  p(
                    `Du har fået beskeden med posten. Portoen, ${kr(input.postage)}, bliver opkrævet, også selvom du ikke henter det, du har reserveret.`,
                  ),
                ]),
            end,
          ],
          sms: `${lib}: ${one === undefined ? `${input.items.length} reserveringer` : smsTitle(one.title)} kan hentes${where}${pickupBy === undefined ? '' : ` senest ${d(pickupBy)}`}. Husk dit lånerkort.`,
        }
      }
      case 'exclusion-warning':
        return {
          subject: `Varsel: du kan blive udelukket fra at låne fra ${d(input.exclusionDate)}`,
          blocks: [
            dear,
            p(
              `Du skylder ${lib} ${kr(input.balance)} i gebyrer. Når man skylder ${kr(input.threshold)} eller mere, kan man blive udelukket fra at låne.`,
            ),
            ...(input.items === undefined || input.items.length === 0
              ? []
              : [p('Gebyrerne gælder:'), ...itemList(input.items)]),
            p(
              `Skylder du stadig ${kr(input.threshold)} eller mere den ${d(input.exclusionDate)}, bliver du udelukket fra at låne fra den dag. Udelukkelsen gælder, indtil hele gælden er betalt.`,
            ),
            p(
              `Du betaler i ${portal}, hvor du logger på med MitID. Du kan se, hvad du skylder, på ${minSide}. Har du allerede betalt, kan du se bort fra dette brev.`,
            ),
            end,
          ],
          sms: `${lib}: Du skylder ${kr(input.balance)} i gebyrer. Skylder du stadig ${kr(input.threshold)} eller mere den ${d(input.exclusionDate)}, bliver du udelukket fra at låne. Betal i ${portal}.`,
        }
      case 'bill':
        return {
          subject: `Regning fra ${lib} på ${kr(input.amount)}`,
          blocks: [
            dear,
            p(`Du har fået en regning fra ${lib}. Betal den senest ${d(input.deadline)}.`),
            ...(input.items === undefined || input.items.length === 0
              ? []
              : [p('Regningen gælder:'), ...itemList(input.items)]),
            claimFacts(input, 'Beløb'),
            ...payWays(input),
            p('Har du lige betalt, kan du se bort fra denne besked.'),
            end,
          ],
          sms: `${lib}: Du har fået en regning på ${kr(input.amount)}. Betal senest ${d(input.deadline)} i ${portal}. Betalings-ID ${input.paymentId}.`,
        }
      case 'dunning-letter': {
        const label = input.letterNumber === undefined ? 'Rykker' : `${input.letterNumber}. rykker`
        return {
          subject: `${label}: regning fra ${lib} er ikke betalt`,
          blocks: [
            dear,
            p(
              `Vi har endnu ikke fået betaling for din regning fra ${lib}. Der er lagt et rykkergebyr på ${kr(input.fee)} til, så du skal nu betale ${kr(input.amount)}.`,
            ),
            ...(input.items === undefined || input.items.length === 0
              ? []
              : [p('Regningen gælder:'), ...itemList(input.items)]),
            claimFacts(input, 'At betale'),
            ...payWays(input),
            p(
              `Kan du ikke betale det hele nu, kan du søge om en afdragsordning i ${portal} før fristen. Har du lige betalt, kan du se bort fra denne rykker.`,
            ),
            end,
          ],
          sms: `${lib}: ${label} - ${kr(input.amount)} er ikke betalt. Betal senest ${d(input.deadline)} i ${portal}. Betalings-ID ${input.paymentId}.`,
        }
      }
      case 'collection-notice':
        return {
          subject: `Sidste frist: din gæld til ${lib} sendes til inddrivelse`,
          blocks: [
            dear,
            p(`Du skylder stadig ${lib} ${kr(input.amount)}, selvom du har fået rykkere.`),
            ...(input.items === undefined || input.items.length === 0
              ? []
              : [p('Gælden gælder:'), ...itemList(input.items)]),
            p(
              `Betal senest ${d(input.deadline)}. Ellers sender vi kravet til inddrivelse hos Gældsstyrelsen. Så kan der komme flere gebyrer og renter til, og beløbet kan blive trukket i din løn eller i penge, du skal have fra det offentlige.`,
            ),
            claimFacts(input, 'At betale'),
            ...payWays(input),
            end,
          ],
          sms: `${lib}: ${kr(input.amount)} er stadig ikke betalt. Betal senest ${d(input.deadline)}, ellers sendes kravet til inddrivelse hos Gældsstyrelsen. Betalings-ID ${input.paymentId}.`,
        }
      case 'refund':
        return {
          subject: `Du får penge tilbage fra ${lib}`,
          blocks: [
            dear,
            p(`Du får ${kr(input.amount)} tilbage fra ${lib}.`),
            ...(input.items === undefined || input.items.length === 0
              ? []
              : [p('Det gælder:'), ...itemList(input.items)]),
            p(
              `Pengene bliver sat ind på din NemKonto${input.payoutDate === undefined ? ' i løbet af få bankdage' : ` den ${d(input.payoutDate)}`}. Du skal ikke gøre noget.`,
            ),
            end,
          ],
          sms: `${lib}: Du får ${kr(input.amount)} tilbage. Pengene bliver sat ind på din NemKonto${input.payoutDate === undefined ? ' i løbet af få bankdage' : ` den ${d(input.payoutDate)}`}.`,
        }
    }
  },
}

const EN: Language = {
  render(input, library) {
    const lib = clean(library.libraryName)
    const portal = clean(library.paymentPortal ?? DEFAULT_PORTAL)
    const name = clean(input.patronName)
    const hello = p(name === '' ? 'Hello' : `Hello ${name}`)
    const dear = p(name === '' ? 'Dear borrower' : `Dear ${name}`)
    const minSide =
      library.web === undefined
        ? 'My page (Min side) on the library website'
        : `My page (Min side) at ${clean(library.web)}`
    const d = formatEnglishDate
    const kr = formatEnglishKroner
    const end = signOff(library, 'Kind regards', 'Phone')
    const itemList = (items: NoticeItem[] | undefined, line = itemName): Block[] =>
      items === undefined || items.length === 0 ? [] : [{ type: 'list', items: items.map(line) }]
    const payWays = (facts: ClaimFacts): Block[] => [
      p(
        `You can pay in ${portal}, the municipality's payment site, where you log in with MitID, or in your online bank with payment ID ${facts.paymentId}.`,
      ),
      ...(facts.paymentContact === undefined
        ? []
        : [
            p(
              `If you have questions about the payment, contact ${contactText(facts.paymentContact, 'on', 'or at')}.`,
            ),
          ]),
    ]
    const claimFacts = (facts: ClaimFacts, amountLabel: string): Block => ({
      type: 'facts',
      rows: [
        [amountLabel, kr(facts.amount)],
        ['Payment ID', facts.paymentId],
        ...(facts.paymentLine === undefined
          ? []
          : ([['Payment line', clean(facts.paymentLine)]] as [string, string][])),
        ['Due date', d(facts.deadline)],
      ],
    })

    switch (input.kind) {
      case 'reminder': {
        const due = earliest(input.items.map((i) => i.dueDate))
        const one = input.items.length === 1 ? input.items[0] : undefined
        return {
          subject:
            due === undefined
              ? 'Reminder: please return your loans'
              : `Reminder: your loans are due on ${d(due)}`,
          blocks: [
            hello,
            p(
              input.items.length === 1
                ? 'The loan period will soon end for this item:'
                : 'The loan period will soon end for these items:',
            ),
            ...itemList(input.items, (i) =>
              i.dueDate === undefined ? itemName(i) : `${itemName(i)} – due ${d(i.dueDate)}`,
            ),
            p(
              one === undefined
                ? `You can renew your loans on ${minSide} or in the Biblioteket app, unless someone else has reserved them. You can also return them at the library.`
                : `You can renew your loan on ${minSide} or in the Biblioteket app, unless someone else has reserved it. You can also return it at the library.`,
            ),
            p(
              'Returning your loans on time is always your own responsibility. If you return them late, you pay a fee.',
            ),
            end,
          ],
          sms: `${lib}: ${one === undefined ? `${input.items.length} loans are` : `${smsTitle(one.title)} is`} due${due === undefined ? ' soon' : ` on ${d(due)}`}. Renew on Min side or in the Biblioteket app, or return at the library.`,
        }
      }
      case 'recall': {
        const one = input.items.length === 1 ? input.items[0] : undefined
        return {
          subject:
            input.items.length === 1
              ? 'Overdue: you have a loan that should have been returned'
              : `Overdue: you have ${input.items.length} loans that should have been returned`,
          blocks: [
            hello,
            p(
              input.items.length === 1
                ? 'The loan period has ended for this item:'
                : 'The loan period has ended for these items:',
            ),
            ...itemList(input.items, (i) =>
              i.dueDate === undefined ? itemName(i) : `${itemName(i)} – was due ${d(i.dueDate)}`,
            ),
            p(
              `Please return ${one === undefined ? 'them' : 'it'} to the library as soon as possible. You pay a fee for returning loans late, and the fee grows the longer it takes. If ${one === undefined ? 'the items are' : 'the item is'} not returned, you will have to pay for ${one === undefined ? 'them' : 'it'}.`,
            ),
            p(
              `You can see your loans on ${minSide}. If you have already returned ${one === undefined ? 'them' : 'it'}, please ignore this message.`,
            ),
            end,
          ],
          sms: `${lib}: ${one === undefined ? `${input.items.length} loans are` : `${smsTitle(one.title)} is`} overdue${one?.dueDate === undefined ? '' : ` (due ${d(one.dueDate)})`}. Please return as soon as possible - the fee grows over time.`,
        }
      }
      case 'reservation-ready': {
        const one = input.items.length === 1 ? input.items[0] : undefined
        const pickupBy = earliest(input.items.map((i) => i.pickupBy))
        const branches = distinct(input.items.map((i) => i.library))
        const where = branches.length === 1 ? ` at ${branches[0]}` : ''
        return {
          subject: one === undefined ? 'Your reservations are ready' : 'Your reservation is ready',
          blocks: [
            hello,
            p('What you reserved is ready for you to collect:'),
            ...itemList(input.items, (i) =>
              [
                itemName(i),
                i.library === undefined ? undefined : `collect at ${clean(i.library)}`,
                i.pickupBy === undefined ? undefined : `by ${d(i.pickupBy)}`,
              ]
                .filter((v) => v !== undefined)
                .join(' – '),
            ),
            p(
              'Remember your library card or health insurance card. If it is not collected in time, it goes to the next person waiting.',
            ),
            ...(input.postage === undefined
              ? []
              : [
                  p(
                    `This notice came by post. You will be charged the postage, ${kr(input.postage)}, even if you do not collect your reservation.`,
                  ),
                ]),
            end,
          ],
          sms: `${lib}: ${one === undefined ? `${input.items.length} reservations are` : `${smsTitle(one.title)} is`} ready${where}${pickupBy === undefined ? '' : ` until ${d(pickupBy)}`}. Remember your library card.`,
        }
      }
      case 'exclusion-warning':
        return {
          subject: `Notice: you may be barred from borrowing from ${d(input.exclusionDate)}`,
          blocks: [
            dear,
            p(
              `You owe ${lib} ${kr(input.balance)} in fees. Anyone who owes ${kr(input.threshold)} or more can be barred from borrowing.`,
            ),
            ...(input.items === undefined || input.items.length === 0
              ? []
              : [p('The fees are for:'), ...itemList(input.items)]),
            p(
              `If you still owe ${kr(input.threshold)} or more on ${d(input.exclusionDate)}, you will be barred from borrowing from that day until everything you owe is paid.`,
            ),
            p(
              `You pay in ${portal}, the municipality's payment site, where you log in with MitID. You can see what you owe on ${minSide}. If you have already paid, please ignore this letter.`,
            ),
            end,
          ],
          sms: `${lib}: You owe ${kr(input.balance)} in fees. If you still owe ${kr(input.threshold)} or more on ${d(input.exclusionDate)}, you will be barred from borrowing. Pay in ${portal}.`,
        }
      case 'bill':
        return {
          subject: `Bill from ${lib}: ${kr(input.amount)}`,
          blocks: [
            dear,
            p(`You have a bill from ${lib}. Please pay it by ${d(input.deadline)}.`),
            ...(input.items === undefined || input.items.length === 0
              ? []
              : [p('The bill is for:'), ...itemList(input.items)]),
            claimFacts(input, 'Amount'),
            ...payWays(input),
            p('If you have just paid, please ignore this message.'),
            end,
          ],
          sms: `${lib}: You have a bill for ${kr(input.amount)}. Pay by ${d(input.deadline)} in ${portal}. Payment ID ${input.paymentId}.`,
        }
      case 'dunning-letter': {
        const label =
          input.letterNumber === undefined ? 'Payment reminder' : `Payment reminder no. ${input.letterNumber}`
        return {
          subject: `${label}: your bill from ${lib} is unpaid`,
          blocks: [
            dear,
            p(
              `We have not yet received payment of your bill from ${lib}. A reminder fee of ${kr(input.fee)} has been added, so you now have to pay ${kr(input.amount)}.`,
            ),
            ...(input.items === undefined || input.items.length === 0
              ? []
              : [p('The bill is for:'), ...itemList(input.items)]),
            claimFacts(input, 'To pay'),
            ...payWays(input),
            p(
              `If you cannot pay it all now, you can apply for an instalment plan in ${portal} before the due date. If you have just paid, please ignore this reminder.`,
            ),
            end,
          ],
          sms: `${lib}: ${label} - ${kr(input.amount)} is unpaid. Pay by ${d(input.deadline)} in ${portal}. Payment ID ${input.paymentId}.`,
        }
      }
      case 'collection-notice':
        return {
          subject: `Final notice: your debt to ${lib} will be sent for collection`,
          blocks: [
            dear,
            p(`You still owe ${lib} ${kr(input.amount)}, although you have had payment reminders.`),
            ...(input.items === undefined || input.items.length === 0
              ? []
              : [p('The debt is for:'), ...itemList(input.items)]),
            p(
              `Please pay by ${d(input.deadline)}. Otherwise we will send the claim to the Danish Debt Collection Agency (Gældsstyrelsen). More fees and interest may then be added, and the amount may be deducted from your wages or from money you are due from the public sector.`,
            ),
            claimFacts(input, 'To pay'),
            ...payWays(input),
            end,
          ],
          sms: `${lib}: ${kr(input.amount)} is still unpaid. Pay by ${d(input.deadline)}, or the claim goes to Gældsstyrelsen for collection. Payment ID ${input.paymentId}.`,
        }
      case 'refund':
        return {
          subject: `You will get money back from ${lib}`,
          blocks: [
            dear,
            p(`You will get ${kr(input.amount)} back from ${lib}.`),
            ...(input.items === undefined || input.items.length === 0
              ? []
              : [p('This is for:'), ...itemList(input.items)]),
            p(
              `The money will be paid into your NemKonto${input.payoutDate === undefined ? ' within a few banking days' : ` on ${d(input.payoutDate)}`}. You do not need to do anything.`,
            ),
            end,
          ],
          sms: `${lib}: You will get ${kr(input.amount)} back. The money will be paid into your NemKonto${input.payoutDate === undefined ? ' within a few banking days' : ` on ${d(input.payoutDate)}`}.`,
        }
    }
  },
}

/** "Finans & Betaling på tlf. 70 80 70 10 eller på www.kk.dk/mitbetalingsoverblik" */
function contactText(contact: PaymentContact, phoneWord: string, webWord: string): string {
  let text = clean(contact.who)
  if (contact.phone !== undefined && clean(contact.phone) !== '')
    text += ` ${phoneWord} ${clean(contact.phone)}`
  if (contact.web !== undefined && clean(contact.web) !== '') text += ` ${webWord} ${clean(contact.web)}`
  return text
}

// ---------------------------------------------------------------------------------------------------------
// Checking the input and writing the blocks out

function check(input: NoticeInput): void {
  const fail = (message: string): never => {
    throw new NoticeTemplateError(`${input.kind} notice: ${message}`)
  }
  if (clean(input.library.libraryName) === '') fail('the library has no name')
  const date = (value: LocalDate | undefined, field: string) => {
    if (value !== undefined && !isLocalDate(value)) fail(`${field} is not a date (YYYY-MM-DD): ${value}`)
  }
  const money = (value: Ore | undefined, field: string, positive = true) => {
    if (value === undefined) return
    if (!Number.isSafeInteger(value)) fail(`${field} must be whole øre: ${value}`)
    if (positive ? value <= 0 : value < 0)
      fail(`${field} must be ${positive ? 'above' : 'at least'} 0: ${value}`)
  }
  const items = 'items' in input ? (input.items ?? []) : []
  items.forEach((item, index) => {
    if (clean(item.title) === '') fail(`items[${index}] has no title`)
    date(item.dueDate, `items[${index}].dueDate`)
    date(item.pickupBy, `items[${index}].pickupBy`)
  })
  switch (input.kind) {
    case 'reminder':
    case 'recall':
    case 'reservation-ready':
      if (items.length === 0) fail('no items')
      if (input.kind === 'reservation-ready') money(input.postage, 'postage', false)
      break
    case 'exclusion-warning':
      date(input.exclusionDate, 'exclusionDate')
      money(input.balance, 'balance')
      money(input.threshold, 'threshold')
      break
    case 'bill':
    case 'dunning-letter':
    case 'collection-notice':
      money(input.amount, 'amount')
      date(input.deadline, 'deadline')
      if (!isValidPaymentId(input.paymentId)) fail(`not a valid FIK payment ID: ${input.paymentId}`)
      if (input.kind === 'dunning-letter') {
        money(input.fee, 'fee', false)
        if (
          input.letterNumber !== undefined &&
          !(Number.isSafeInteger(input.letterNumber) && input.letterNumber > 0)
        ) {
          fail(`letterNumber must be a positive whole number: ${input.letterNumber}`)
        }
      }
      break
    case 'refund':
      money(input.amount, 'amount')
      date(input.payoutDate, 'payoutDate')
      break
  }
}

function blockText(block: Block): string {
  switch (block.type) {
    case 'p':
      return block.text
    case 'lines':
      return block.lines.join('\n')
    case 'list':
      return block.items.map((item) => `- ${item}`).join('\n')
    case 'facts':
      return block.rows.map(([label, value]) => `${label}: ${value}`).join('\n')
  }
}

function blockHtml(block: Block): string {
  const e = escapeHtml
  switch (block.type) {
    case 'p':
      return `<p>${e(block.text)}</p>`
    case 'lines':
      return `<p>${block.lines.map(e).join('<br>\n')}</p>`
    case 'list':
      return `<ul>\n${block.items.map((item) => `<li>${e(item)}</li>`).join('\n')}\n</ul>`
    case 'facts':
      return `<table role="presentation">\n${block.rows
        .map(
          ([label, value]) =>
            `<tr><th align="left" style="padding-right:1em">${e(label)}</th><td>${e(value)}</td></tr>`,
        )
        .join('\n')}\n</table>`
  }
}

function blocksToText(blocks: Block[]): string {
  return `${blocks.map(blockText).join('\n\n')}\n`
}

function blocksToHtml(blocks: Block[], subject: string, language: NoticeLanguage): string {
  return [
    '<!DOCTYPE html>',
    `<html lang="${language}">`,
    `<head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>`,
    '<body style="font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:1.4">',
    ...blocks.map(blockHtml),
    '</body>',
    '</html>',
    '',
  ].join('\n')
}

/** The notice in the patron's language; throws a NoticeTemplateError on input that cannot make one. */
export function renderNotice(input: NoticeInput): RenderedNotice {
  check(input)
  const language = input.language === 'en' ? EN : DA
  const parts = language.render(input, input.library)
  const subject = clean(parts.subject)
  return {
    subject,
    text: blocksToText(parts.blocks),
    html: blocksToHtml(parts.blocks, subject, input.language),
    sms: clean(parts.sms),
  }
}
