// The words of Mit Betalingsoverblik (MBO), the citizen's payment overview: Danish first and English.
// The frame of the page (header, skip link, language link) keeps its words in web-texts.ts.

import { formatKroner } from '../shared/money.ts'
import { formatDanishDate, formatEnglishDate } from '../shared/time.ts'
import type { Lang } from './web-texts.ts'

const kr = formatKroner

/** Why a citizen's request on a claim cannot be made (checked before the receivables are asked). */
export type MboBlocker =
  | 'closed'
  | 'transferred'
  | 'legacy'
  | 'on-plan'
  | 'below-minimum'
  | 'no-deadline'
  | 'deadline-passed'
  | 'already-extended'
  | 'appeal-open'

const da = {
  date: formatDanishDate,
  heading: 'Mit Betalingsoverblik',
  intro: (authority: string) =>
    `Her ser du alle dine regninger til ${authority} – fra biblioteket og kommunens andre afdelinger – og betaler dem med kort eller MobilePay.`,
  sectionsLabel: 'Mit Betalingsoverblik',
  navClaims: 'Regninger',
  navRefunds: 'Tilbagebetalinger',
  back: 'Tilbage til betalingsoverblikket',
  childNote:
    'Dine gebyrer og erstatninger sendes til den økonomisk ansvarlige for dig, som ser og betaler dem i sit eget betalingsoverblik.',
  openClaims: 'Ubetalte regninger',
  noClaims: 'Du har ingen ubetalte regninger.',
  claim: 'Regning',
  amount: 'Beløb',
  left: 'Mangler',
  deadline: 'Betalingsfrist',
  paymentId: 'Betalings-ID',
  status: 'Status',
  actions: 'Handlinger',
  total: 'I alt at betale',
  from: 'Fra',
  concerns: (names: string) => `Vedrører ${names}`,
  linesCaption: 'Hvad regningen dækker',
  lineStatus: { paid: 'betalt', cancelled: 'annulleret', refunded: 'tilbagebetalt' } as Record<
    string,
    string
  >,
  paymentLine: 'Indbetalingskort (FIK)',
  paymentLineHint: 'Betal i netbank med betalings-ID eller hele linjen fra indbetalingskortet.',
  contactsSummary: 'Hvem kan jeg spørge?',
  contactAbout: {
    payment: 'Om betalingen og rykkergebyrer',
    reason: 'Om årsagen til regningen',
    complaint: 'Klage over regningen',
  } as Record<string, string>,
  pay: 'Betal',
  payThis: (title: string) => `Betal ${title}`,
  payAll: (amount: number) => `Betal alt (${kr(amount)})`,
  applyInstalments: 'Søg om afdrag',
  askDeadline: 'Søg om senere frist',
  appeal: 'Klag',
  actionOn: (action: string, title: string) => `${action}: ${title}`,
  noDeadline: 'Ingen endnu',
  nextInstalment: (amount: number, date: string) => `Næste rate: ${kr(amount)} senest ${date}`,
  plan: 'Afdragsordning',
  instalment: 'Rate',
  paidAmount: 'Betalt',
  closedClaims: 'Betalte og annullerede regninger',
  credit: (amount: number) =>
    `Kommunen skylder dig ${kr(amount)}. Beløbet udbetales til din NemKonto – se Tilbagebetalinger.`,
  status_: {
    new: () => 'Ny – regningen er på vej',
    billed: (date: string) => `Regning sendt ${date}`,
    overdue: () => 'Betalingsfristen er overskredet',
    dunned: (n: number) => `Rykket (${n}. rykker)`,
    'transfer-notice': () => 'Varslet: sendes til inddrivelse hos Gældsstyrelsen',
    transferred: () => 'Sendt til inddrivelse hos Gældsstyrelsen, som opkræver den nu',
    instalments: () => 'Betales i rater',
    appealed: () => 'Klage under behandling – fristen gælder stadig',
    'appeal-rejected': () => 'Klage afvist',
    'appeal-written-down': () => 'Klage delvist imødekommet',
    paused: () => 'Sat i bero – ingen regning eller rykker endnu',
    legacy: () => 'Fra det gamle betalingssystem',
    betalingsservice: () => 'Tilmeldt Betalingsservice',
    'part-paid': () => 'Delvist betalt',
    paid: () => 'Betalt',
    cancelled: () => 'Annulleret',
  },
  blocker: {
    closed: 'Regningen er allerede betalt eller annulleret.',
    transferred: 'Regningen er sendt til inddrivelse hos Gældsstyrelsen og skal betales dér.',
    legacy:
      'Beløbet er fra før overgangen til det nye betalingssystem og kan indtil videre kun betales med MobilePay i appen Biblioteket.',
    'on-plan': 'Regningen betales allerede i rater; hver rate har sin egen frist.',
    'below-minimum': 'Der er for lidt tilbage på regningen til en afdragsordning.',
    'no-deadline': 'Regningen har endnu ingen betalingsfrist.',
    'deadline-passed': 'Betalingsfristen er overskredet. En senere frist skal søges, før fristen udløber.',
    'already-extended': 'Betalingsfristen er allerede forlænget én gang.',
    'appeal-open': 'Du har allerede en klage over denne regning, som er under behandling.',
  } as Record<MboBlocker, string>,
  askFinance: (who: string, phone: string | null) =>
    `Har du svært ved at betale, så kontakt ${who}${phone ? ` på tlf. ${phone}` : ''}.`,
  claimNotFound: 'Regningen findes ikke i dit betalingsoverblik.',
  errorTitle: 'Der er en fejl',
  // payment
  payHeading: 'Betal regning',
  payAllHeading: 'Betal alle regninger',
  payAllIntro: (n: number) => `Du betaler ${n === 1 ? 'én regning' : `${n} regninger`} på én gang.`,
  toPay: 'At betale',
  howMuch: 'Hvor meget vil du betale?',
  payNextInstalment: (amount: number, date: string) => `Næste rate: ${kr(amount)} (frist ${date})`,
  payEverything: (amount: number) => `Hele restbeløbet: ${kr(amount)}`,
  method: 'Betal med',
  methods: { card: 'Betalingskort', mobilepay: 'MobilePay' } as Record<string, string>,
  testProvider: 'Testbetaling',
  testProviderHint:
    'Betalingen går gennem laans indbyggede testudbyder: der trækkes ingen rigtige penge. Vælg, hvordan betalingen skal gå.',
  outcome: 'Udfald',
  outcomes: {
    approved: 'Godkendt',
    declined: 'Kortet afvises',
    'insufficient-funds': 'Ingen dækning',
  } as Record<string, string>,
  payButton: (amount: number) => `Betal ${kr(amount)}`,
  paymentReceived: (amount: number) => `Betalingen er modtaget: ${kr(amount)}. Tak.`,
  paymentReceivedMore: (amount: number, credit: number) =>
    `Betalingen er modtaget: ${kr(amount)}. Tak. ${kr(credit)} for meget udbetales til din NemKonto.`,
  paymentDeclined: (reason: string) =>
    `Betalingen blev ikke gennemført: ${reason} Der er ikke trukket penge. Prøv igen, eller vælg en anden betalingsmåde.`,
  amountChanged: 'Beløbet er ændret, siden siden blev vist. Se det nye beløb, og prøv igen.',
  chooseMethod: 'Vælg betalingskort eller MobilePay.',
  chooseAmount: 'Vælg, hvor meget du vil betale.',
  nothingToPay: 'Der er ingen regninger at betale.',
  yourRequest: 'Din anmodning',
  // instalment plan
  instalmentsHeading: 'Søg om afdragsordning',
  instalmentsIntro: (max: number, minimum: number) =>
    `Du kan dele restbeløbet op i 2 til ${max} månedlige rater, når der er mindst ${kr(minimum)} tilbage. Hver rate får sin egen betalingsfrist og sit eget betalings-ID.`,
  instalmentsTerms:
    'Der sendes ikke rykkere, så længe raterne betales til tiden. Betales en rate ikke til tiden, ophører ordningen, og regningen rykkes igen.',
  months: 'Antal rater',
  monthsOption: (n: number, first: number, rest: number) =>
    first === rest ? `${n} rater à ${kr(first)}` : `${n} rater – første ${kr(first)}, derefter ${kr(rest)}`,
  monthsInvalid: (max: number) => `Vælg mellem 2 og ${max} rater.`,
  firstInstalment: (date: string) => `Første rate skal betales senest ${date}.`,
  apply: 'Søg om afdragsordning',
  instalmentsCreated: (n: number, amount: number, date: string) =>
    `Din afdragsordning er oprettet: ${n} rater. Første rate på ${kr(amount)} skal betales senest ${date}.`,
  // deadline
  deadlineHeading: 'Søg om senere betalingsfrist',
  deadlineIntro: (date: string, maxDays: number) =>
    `Betalingsfristen er ${date}. Du kan én gang få en senere frist, op til ${maxDays} dage senere, hvis du søger, før fristen udløber.`,
  newDeadline: 'Ny betalingsfrist',
  deadlineOption: (date: string, days: number) => `${date} (${days} dage senere)`,
  daysInvalid: 'Vælg en af de mulige nye frister.',
  askButton: 'Søg om ny frist',
  deadlineExtended: (date: string) => `Din nye betalingsfrist er ${date}.`,
  // appeal
  appealHeading: 'Klag over regningen',
  appealTo: (who: string) => `Din klage sendes til ${who}, som behandler den og svarer dig.`,
  appealDeadlineStands: (date: string | null, who: string, phone: string | null) =>
    `Betalingsfristen gælder stadig, selv om du klager${date ? ` (${date})` : ''}. Vil du være sikker på ikke at få et rykkergebyr, så betal, eller kontakt ${who}${phone ? ` på tlf. ${phone}` : ''}.`,
  appealText: 'Hvad klager du over?',
  appealHint: (max: number) =>
    `Skriv fx hvilket materiale det drejer sig om, og hvad der er galt. Højst ${max} tegn.`,
  appealMissing: 'Skriv, hvad din klage drejer sig om.',
  appealTooLong: (max: number) => `Klagen må højst være ${max} tegn.`,
  sendAppeal: 'Send klage',
  appealFiled: (who: string) =>
    `Din klage er modtaget og sendt til ${who}. Betalingsfristen gælder stadig, mens klagen behandles.`,
  // refunds
  refundsHeading: 'Tilbagebetalinger til din NemKonto',
  refundsIntro: (days: number) =>
    `Har du betalt for meget, eller får du penge tilbage for en regning, udbetaler kommunen beløbet til din NemKonto inden for ${days} bankdage.`,
  noRefunds: 'Du har ingen tilbagebetalinger.',
  created: 'Dato',
  why: 'Hvorfor',
  payoutStatus: {
    pending: (date: string) => `Udbetales til din NemKonto senest ${date}`,
    'paid-out': (date: string) => `Udbetalt til din NemKonto ${date}`,
    spent: () => 'Brugt til at betale en anden regning',
  },
  creditNow: (amount: number) => `Til gode lige nu: ${kr(amount)}`,
  offsets: 'Modregning i udbetalinger fra det offentlige',
  offsetsIntro:
    'Skylder du kommunen penge, kan de blive modregnet i fx overskydende skat. Du får besked i Digital Post eller med brev.',
  offsetSource: 'Udbetaling',
  offsetReported: 'Beløb',
  offsetAmount: 'Modregnet',
  offsetToYou: 'Udbetalt til dig',
}

export type MboTexts = typeof da

const en: MboTexts = {
  date: formatEnglishDate,
  heading: 'Payment overview (Mit Betalingsoverblik)',
  intro: (authority: string) =>
    `All your bills to ${authority} – from the library and the municipality's other departments – and paying them by card or MobilePay.`,
  sectionsLabel: 'Payment overview',
  navClaims: 'Bills',
  navRefunds: 'Refunds',
  back: 'Back to the payment overview',
  childNote:
    'Your fees and replacement charges go to the adult who is financially responsible for you, who sees and pays them in their own payment overview.',
  openClaims: 'Unpaid bills',
  noClaims: 'You have no unpaid bills.',
  claim: 'Bill',
  amount: 'Amount',
  left: 'Left to pay',
  deadline: 'Payment deadline',
  paymentId: 'Payment ID',
  status: 'Status',
  actions: 'Actions',
  total: 'Total to pay',
  from: 'From',
  concerns: (names: string) => `Concerns ${names}`,
  linesCaption: 'What the bill covers',
  lineStatus: { paid: 'paid', cancelled: 'cancelled', refunded: 'refunded' },
  paymentLine: 'Payment slip (FIK)',
  paymentLineHint: 'Pay in your netbank with the payment ID or the whole line from the payment slip.',
  contactsSummary: 'Whom can I ask?',
  contactAbout: {
    payment: 'About paying and dunning fees',
    reason: 'About the reason for the bill',
    complaint: 'Complaints about the bill',
  },
  pay: 'Pay',
  payThis: (title: string) => `Pay ${title}`,
  payAll: (amount: number) => `Pay everything (${kr(amount)})`,
  applyInstalments: 'Pay in instalments',
  askDeadline: 'Ask for a later deadline',
  appeal: 'Complain',
  actionOn: (action: string, title: string) => `${action}: ${title}`,
  noDeadline: 'None yet',
  nextInstalment: (amount: number, date: string) => `Next instalment: ${kr(amount)} by ${date}`,
  plan: 'Instalment plan',
  instalment: 'Instalment',
  paidAmount: 'Paid',
  closedClaims: 'Paid and cancelled bills',
  credit: (amount: number) =>
    `The municipality owes you ${kr(amount)}. It is paid to your NemKonto – see Refunds.`,
  status_: {
    new: () => 'New – the bill is on its way',
    billed: (date: string) => `Bill sent ${date}`,
    overdue: () => 'The payment deadline has passed',
    dunned: (n: number) => `Dunning letter no. ${n} sent`,
    'transfer-notice': () => 'Notified: to be sent to Gældsstyrelsen for collection',
    transferred: () => 'Sent to Gældsstyrelsen for collection, who collect it now',
    instalments: () => 'Paid in instalments',
    appealed: () => 'Complaint being handled – the deadline still applies',
    'appeal-rejected': () => 'Complaint rejected',
    'appeal-written-down': () => 'Complaint partly upheld',
    paused: () => 'On hold – no bill or dunning yet',
    legacy: () => 'From the old payment system',
    betalingsservice: () => 'Paid by Betalingsservice',
    'part-paid': () => 'Partly paid',
    paid: () => 'Paid',
    cancelled: () => 'Cancelled',
  },
  blocker: {
    closed: 'The bill is already paid or cancelled.',
    transferred: 'The bill has been sent to Gældsstyrelsen for collection and is paid there.',
    legacy:
      'This balance is from before the switch to the new payment system and can only be paid with MobilePay in the Biblioteket app for now.',
    'on-plan': 'The bill is already paid in instalments; each instalment has its own deadline.',
    'below-minimum': 'Too little is left on the bill for an instalment plan.',
    'no-deadline': 'The bill has no payment deadline yet.',
    'deadline-passed':
      'The payment deadline has passed. A later deadline must be asked for before it passes.',
    'already-extended': 'The payment deadline has already been extended once.',
    'appeal-open': 'You already have a complaint about this bill that is being handled.',
  },
  askFinance: (who: string, phone: string | null) =>
    `If you find it hard to pay, contact ${who}${phone ? ` on ${phone}` : ''}.`,
  claimNotFound: 'The bill is not in your payment overview.',
  errorTitle: 'There is a problem',
  payHeading: 'Pay a bill',
  payAllHeading: 'Pay all bills',
  payAllIntro: (n: number) => `You pay ${n === 1 ? 'one bill' : `${n} bills`} at once.`,
  toPay: 'To pay',
  howMuch: 'How much do you want to pay?',
  payNextInstalment: (amount: number, date: string) => `Next instalment: ${kr(amount)} (due ${date})`,
  payEverything: (amount: number) => `Everything left: ${kr(amount)}`,
  method: 'Pay with',
  methods: { card: 'Payment card', mobilepay: 'MobilePay' },
  testProvider: 'Test payment',
  testProviderHint:
    "The payment goes through laan's built-in test provider: no real money is taken. Choose how the payment goes.",
  outcome: 'Outcome',
  outcomes: { approved: 'Approved', declined: 'Card declined', 'insufficient-funds': 'Insufficient funds' },
  payButton: (amount: number) => `Pay ${kr(amount)}`,
  paymentReceived: (amount: number) => `The payment has been received: ${kr(amount)}. Thank you.`,
  paymentReceivedMore: (amount: number, credit: number) =>
    `The payment has been received: ${kr(amount)}. Thank you. ${kr(credit)} too much is paid to your NemKonto.`,
  paymentDeclined: (_reason: string) =>
    'The payment was not completed: the card or MobilePay refused it. No money was taken. Try again or choose another way to pay.',
  amountChanged: 'The amount has changed since the page was shown. See the new amount and try again.',
  chooseMethod: 'Choose payment card or MobilePay.',
  chooseAmount: 'Choose how much you want to pay.',
  nothingToPay: 'There are no bills to pay.',
  yourRequest: 'Your request',
  instalmentsHeading: 'Apply for an instalment plan',
  instalmentsIntro: (max: number, minimum: number) =>
    `You can split what is left into 2 to ${max} monthly instalments when at least ${kr(minimum)} is left. Each instalment has its own deadline and payment ID.`,
  instalmentsTerms:
    'No dunning letters are sent while the instalments are paid on time. If an instalment is not paid on time, the plan ends and dunning resumes.',
  months: 'Number of instalments',
  monthsOption: (n: number, first: number, rest: number) =>
    first === rest
      ? `${n} instalments of ${kr(first)}`
      : `${n} instalments – first ${kr(first)}, then ${kr(rest)}`,
  monthsInvalid: (max: number) => `Choose from 2 to ${max} instalments.`,
  firstInstalment: (date: string) => `The first instalment is due by ${date}.`,
  apply: 'Apply for the plan',
  instalmentsCreated: (n: number, amount: number, date: string) =>
    `Your instalment plan is set up: ${n} instalments. The first, of ${kr(amount)}, is due by ${date}.`,
  deadlineHeading: 'Ask for a later payment deadline',
  deadlineIntro: (date: string, maxDays: number) =>
    `The payment deadline is ${date}. Once, you can get a deadline up to ${maxDays} days later, if you ask before the deadline passes.`,
  newDeadline: 'New payment deadline',
  deadlineOption: (date: string, days: number) => `${date} (${days} days later)`,
  daysInvalid: 'Choose one of the possible new deadlines.',
  askButton: 'Ask for the new deadline',
  deadlineExtended: (date: string) => `Your new payment deadline is ${date}.`,
  appealHeading: 'Complain about the bill',
  appealTo: (who: string) => `Your complaint goes to ${who}, who handle it and answer you.`,
  appealDeadlineStands: (date: string | null, who: string, phone: string | null) =>
    `The payment deadline still applies when you complain${date ? ` (${date})` : ''}. To be sure not to get a dunning fee, pay, or contact ${who}${phone ? ` on ${phone}` : ''}.`,
  appealText: 'What is your complaint about?',
  appealHint: (max: number) =>
    `For example, which item it is about and what is wrong. At most ${max} characters.`,
  appealMissing: 'Write what your complaint is about.',
  appealTooLong: (max: number) => `The complaint can be at most ${max} characters.`,
  sendAppeal: 'Send complaint',
  appealFiled: (who: string) =>
    `Your complaint has been received and sent to ${who}. The payment deadline still applies while it is handled.`,
  refundsHeading: 'Refunds to your NemKonto',
  refundsIntro: (days: number) =>
    `If you paid too much, or get money back for a bill, the municipality pays it to your NemKonto within ${days} bank days.`,
  noRefunds: 'You have no refunds.',
  created: 'Date',
  why: 'Why',
  payoutStatus: {
    pending: (date: string) => `To be paid to your NemKonto by ${date}`,
    'paid-out': (date: string) => `Paid to your NemKonto on ${date}`,
    spent: () => 'Used to pay another bill',
  },
  creditNow: (amount: number) => `Owed to you now: ${kr(amount)}`,
  offsets: 'Offsetting against public payouts',
  offsetsIntro:
    'If you owe the municipality money, it can be offset against e.g. a tax refund. You are told by Digital Post or letter.',
  offsetSource: 'Payout',
  offsetReported: 'Amount',
  offsetAmount: 'Offset',
  offsetToYou: 'Paid to you',
}

export const MBO_TEXTS: Record<Lang, MboTexts> = { da, en }
