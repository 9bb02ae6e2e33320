// The municipality's receivables in the bench database: about 500,000 open claims at scale 1, built in bulk
// SQL from a per-claim plan, in the states the nightly runs of the last 90 days would have left them in.
// See bench/README.md ("Receivables").
import pg from 'pg'
import { PolicyCatalog } from '../src/policy/policy-catalog.ts'
import { readPolicyFiles } from '../src/policy/policy-files.ts'
import type { Policy } from '../src/policy/policy-schema.ts'
import { addBankDays } from '../src/receivables/bank-days.ts'
import {
  type DunningState,
  deadlineFor,
  ladderFor,
  monthsStartedAfter,
  nextDunningStep,
} from '../src/receivables/claim-rules.ts'
import { paymentIdFromSequence } from '../src/receivables/fik.ts'
import {
  ReceivablesCatalog,
  type ReceivablesPolicy,
  readReceivablesPolicyFiles,
} from '../src/receivables/receivables-policy.ts'
import { addDays, daysBetween, formatDanishDate, type LocalDate } from '../src/shared/time.ts'

export interface ReceivablesSizes {
  /** Late returns and lost items of the last `days` days; each gives one claim, a lost item two. */
  loanEvents: number
  days: number
}

export function receivablesSizesFor(scale: number): ReceivablesSizes {
  return { loanEvents: Math.max(200, Math.round(960_000 * scale)), days: 90 }
}

/** What the nightly run of the business date has to do, by the plan (the billing result should match). */
export interface DueTonight {
  bills: number
  collections: number
  interest: number
  dunningLetters: number
  transferNotices: number
  transfers: number
  payouts: number
  /** Pending exclusion warnings whose notice period ends on the business date. */
  exclusions: number
}

export interface ReceivablesInfo {
  claims: number
  openClaims: number
  /** Of the open claims, those with a part paid. */
  partPaidClaims: number
  paidClaims: number
  transferredClaims: number
  debtors: number
  claimLines: number
  bills: number
  receipts: number
  ledgerEntries: number
  pendingPayouts: number
  dueTonight: DueTonight
}

/** A labelled statement of the load. */
type Job = [label: string, text: string]

/** The session settings of a bulk load (as bench/generate.ts sets them on its own connection). */
export const BULK_SESSION = [
  `set synchronous_commit = off`,
  `set session_replication_role = replica`,
  `set maintenance_work_mem = '1GB'`,
  `set work_mem = '256MB'`,
]

const TZ = `'Europe/Copenhagen'`
/** A local time of day on a date expression, as timestamptz. */
const at = (day: string, time: string) => `((${day})::timestamp + ${time}) at time zone ${TZ}`

function quote(value: string): string {
  return `'${value.replaceAll("'", "''")}'`
}

/** `case` over the days of a fee table: the amount of the tier `days` falls in. */
function tierCase(tiers: readonly { fromDay: number; toDay: number | null; amount: number }[], days: string) {
  const whens = tiers.map((t) =>
    t.toDay === null ? `else ${t.amount}` : `when ${days} <= ${t.toDay} then ${t.amount}`,
  )
  if (!whens.some((w) => w.startsWith('else'))) whens.push('else 0')
  return `case ${whens.join(' ')} end`
}

/** The FIK check digit in SQL, the same as fikCheckDigit of the 14-digit zero-padded sequence number. */
function fikSqlFunction(): string {
  const terms: string[] = []
  for (let i = 0; i < 14; i++) {
    const digit = `(id / ${10n ** BigInt(i)} % 10)`
    terms.push(i % 2 === 0 ? `(2 * ${digit} - case when 2 * ${digit} > 9 then 9 else 0 end)` : digit)
  }
  return `create function pg_temp.bench_payment_id(id bigint) returns text language sql immutable as
    $$ select lpad(id::text, 14, '0') || ((10 - (${terms.join(' + ')}) % 10) % 10)::text $$`
}

interface Schedule {
  kind: 'public' | 'civil'
  /** Offsets (days from the claim date) of each letter and of its deadline, and its fee. */
  letters: { n: number; offset: number; fee: number; deadlineOffset: number }[]
  noticeOffset: number
  noticeDeadlineOffset: number
  transferOffset: number
}

/**
 * Day offsets from the claim date of what the nightly runs do to an unpaid claim: the service's own rules
 * (deadlineFor, nextDunningStep) applied night after night to a claim that is never paid. The rules use
 * only day arithmetic, so the offsets are the same for every claim date.
 */
function schedules(policy: ReceivablesPolicy, issuerLadder: string | null): Schedule[] {
  const made = '2001-01-01'
  const deadline = deadlineFor(policy, made)
  return (['public', 'civil'] as const).map((kind) => {
    const ladder = ladderFor(policy, kind, issuerLadder)
    const state: DunningState = {
      deadline,
      dunningLetters: 0,
      lastLetterOn: null,
      lastLetterDeadline: null,
      transferNoticeOn: null,
    }
    const letters: Schedule['letters'] = []
    let notice: { offset: number; deadlineOffset: number } | null = null
    for (let offset = 1; offset < 1000; offset++) {
      const today = addDays(made, offset)
      const step = nextDunningStep(state, ladder, policy.transfer.afterLastDeadlineDays.value, today)
      if (step?.kind === 'letter') {
        letters.push({
          n: step.number,
          offset,
          fee: step.fee,
          deadlineOffset: daysBetween(made, step.deadline),
        })
        state.dunningLetters = step.number
        state.lastLetterOn = today
        state.lastLetterDeadline = step.deadline
      } else if (step?.kind === 'transfer-notice') {
        notice = { offset, deadlineOffset: daysBetween(made, step.deadline) }
        state.transferNoticeOn = today
      } else if (step?.kind === 'transfer') {
        if (!notice) throw new Error('a transfer without a written notice')
        return {
          kind,
          letters,
          noticeOffset: notice.offset,
          noticeDeadlineOffset: notice.deadlineOffset,
          transferOffset: offset,
        }
      }
    }
    throw new Error(`an unpaid ${kind} claim is never transferred under this policy`)
  })
}

/**
 * The offset (days from the claim date) of the night each interest month begins, by monthsStartedAfter, for
 * every claim date of the plan: month arithmetic, so it depends on the date.
 */
function interestNights(policy: ReceivablesPolicy, from: LocalDate, to: LocalDate, months: number) {
  const rows: { day: string; offsets: number[] }[] = []
  for (let day = from; day <= to; day = addDays(day, 1)) {
    const deadline = deadlineFor(policy, day)
    const offsets: number[] = []
    for (let offset = 1; offsets.length < months; offset++) {
      if (monthsStartedAfter(deadline, addDays(day, offset)) > offsets.length) offsets.push(offset)
    }
    rows.push({ day, offsets })
  }
  return rows
}

/** Line ids are claim id × LINE_SLOTS + slot, so that lines need no numbering pass (see lineValues). */
const LINE_SLOTS = 256
/** A claim's one receipt (its payment, or its part payment) has id RECEIPT_ID_OFFSET + claim id. */
const RECEIPT_ID_OFFSET = 10_000_000
/** A debtor's id is DEBTOR_ID_OFFSET + the payer's patron id: never equal to a patron id at these scales. */
const DEBTOR_ID_OFFSET = 1_000_000

/**
 * Loads the receivables: new late returns and lost items (loans and their charges) over the last `days`
 * days, the claims of those and of the library's earlier charges, and for each claim what the nightly runs
 * and the payments up to yesterday made of it: bills, dunning fees and interest (as lines and as library
 * charges), written notices, transfers, receipts, allocations, payouts and the ledger. Runs in the
 * generator's session (foreign key triggers off, secondary indexes dropped).
 *
 * Everything comes from one wide plan row per claim (bench_claims: its lines, fees, payment and letters as
 * columns), and every table is then one scan of it, with ids derived from the claim id: no numbering or
 * joining of millions of rows at write time.
 */
export async function loadReceivables(
  client: pg.Client,
  options: {
    url: string
    log: (message: string) => void
    municipality: string
    businessDate: LocalDate
    patrons: number
    items: number
    scale: number
  },
): Promise<ReceivablesInfo> {
  const { municipality, businessDate, log } = options
  const run = async (on: pg.Client, [label, text]: Job) => {
    const t = performance.now()
    const result = await on.query(text)
    log(
      `${label}${result.rowCount ? `: ${result.rowCount.toLocaleString('en')} rows` : ''} (${((performance.now() - t) / 1000).toFixed(1)} s)`,
    )
    return result
  }
  const step = (label: string, text: string) => run(client, [label, text])
  // A second connection for the bulk inserts at the end: it sees the plan, which is therefore an unlogged
  // table rather than a temporary one.
  const other = new pg.Client({ connectionString: options.url })
  await other.connect()
  try {
    for (const setting of BULK_SESSION) await other.query(setting)
    return await load()
  } finally {
    await other.query('drop table if exists bench_claims, bench_receipts').catch(() => undefined)
    await other.end()
  }
  /** Runs each lane's jobs in order, the lanes at once on the two connections. */
  async function inParallel(first: readonly Job[], second: readonly Job[]): Promise<void> {
    await Promise.all([
      (async () => {
        for (const job of first) await run(client, job)
      })(),
      (async () => {
        for (const job of second) await run(other, job)
      })(),
    ])
  }

  async function load(): Promise<ReceivablesInfo> {
    const sizes = receivablesSizesFor(options.scale)
    const library: Policy = new PolicyCatalog(readPolicyFiles()).inForce(municipality, businessDate)
    const policy = new ReceivablesCatalog(readReceivablesPolicyFiles()).inForce(municipality, businessDate)
    const issuerPolicy = policy.issuers.value.find((i) => i.library)
    if (!issuerPolicy) throw new Error(`no library issuer in ${municipality}'s receivables policy`)
    const [pub, civ] = schedules(policy, issuerPolicy.ladder ?? null) as [Schedule, Schedule]
    const dl = daysBetween(businessDate, deadlineFor(policy, businessDate))
    const percent = policy.dunning.interestPercentPerStartedMonth.value
    const lastOffset = Math.max(pub.transferOffset, civ.transferOffset)
    if (2 * lastOffset + 1 >= LINE_SLOTS)
      throw new Error(`the dunning ladder is too long for the bench's line ids`)
    const letterCount = Math.max(pub.letters.length, civ.letters.length)
    const letterNumbers = Array.from({ length: letterCount }, (_, i) => i + 1)
    // Interest months a public claim can reach before its transfer (a month is at least 28 days).
    const monthNumbers =
      percent > 0
        ? Array.from({ length: Math.floor((pub.transferOffset - dl - 1) / 28) + 1 }, (_, i) => i + 1)
        : []
    const M = quote(municipality)
    const D = `date ${quote(businessDate)}`
    const P = options.patrons
    const E = sizes.loanEvents
    const rulesName = quote(library.rulesName)
    const lostAfter = library.lost.afterDaysOverdue.value

    /** A per-legal-kind value of the schedule, as SQL on the plan row `row`. */
    const byKind = (row: string, value: (s: Schedule) => number | null | undefined) =>
      `(case ${row}legal_kind when 'public' then ${value(pub) ?? 'null'} else ${value(civ) ?? 'null'} end)`
    const letterOffset = (row: string, n: number) => byKind(row, (s) => s.letters[n - 1]?.offset)
    const letterFee = (row: string, n: number) => byKind(row, (s) => s.letters[n - 1]?.fee)
    const letterDeadline = (row: string, n: number) => byKind(row, (s) => s.letters[n - 1]?.deadlineOffset)

    const { rows: issuerRows } = await client.query<{ id: number }>(
      `select id from issuers where municipality = $1 and is_library`,
      [municipality],
    )
    const issuerId = issuerRows[0]?.id
    if (issuerId === undefined) throw new Error(`no library issuer installed for ${municipality}`)
    const scalar = async (text: string) => Number((await client.query<{ n: string }>(text)).rows[0]?.n ?? 0)
    const loanBase = await scalar('select coalesce(max(id), 0) as n from loans')
    const chargeBase = await scalar('select coalesce(max(id), 0) as n from charges')
    const paymentBase = await scalar('select coalesce(max(id), 0) as n from payments')
    const oldClaims = await scalar(`select count(*) as n from charges where municipality = ${M}`)
    const claimCount = oldClaims + 2 * E
    if (
      paymentBase !== 0 ||
      (await scalar('select count(*) as n from claims')) !== 0 ||
      claimCount >= RECEIPT_ID_OFFSET ||
      P >= DEBTOR_ID_OFFSET ||
      (claimCount + 1) * LINE_SLOTS + chargeBase >= 2 ** 31
    ) {
      throw new Error('the receivables generator expects an empty receivables schema and at most scale 1')
    }

    // Helpers: payment IDs as paymentIdFromSequence makes them, Danish dates and amounts for the texts.
    await client.query(fikSqlFunction())
    for (const id of [1, 7, 1234567, 987654321]) {
      const { rows } = await client.query<{ id: string }>(`select pg_temp.bench_payment_id($1) as id`, [id])
      if (rows[0]?.id !== paymentIdFromSequence(id)) {
        throw new Error(`SQL payment ID of ${id} is ${rows[0]?.id}, not ${paymentIdFromSequence(id)}`)
      }
    }
    await client.query(`create function pg_temp.bench_kr(amount int) returns text language sql immutable as
    $$ select (amount / 100)::text || case when amount % 100 = 0 then '' else ',' || lpad((amount % 100)::text, 2, '0') end || ' kr' $$`)
    // The payout date (bank days later) of every day a payment can have been made on.
    const days: string[] = []
    const payoutDays: string[] = []
    for (let i = -800; i <= 0; i++) {
      const day = addDays(businessDate, i)
      days.push(day)
      payoutDays.push(addBankDays(day, policy.payouts.bankDays.value))
    }
    await client.query(
      `create temp table bench_bankday as select * from unnest($1::date[], $2::date[]) as t(day, payout_due)`,
      [days, payoutDays],
    )

    // Dates as the texts write them (formatDanishDate), by day.
    await client.query(
      `create temp table bench_days as select * from unnest($1::date[], $2::text[]) as t(day, danish)`,
      [days, days.map(formatDanishDate)],
    )
    // By claim date: the night each interest month begins, and the dunning fees' texts (as billing writes them).
    const nights = interestNights(policy, days[0] as string, businessDate, monthNumbers.length)
    const letterTexts = (kind: Schedule, n: number) =>
      nights.map((night) => {
        const offset = kind.letters[n - 1]?.offset
        return offset === undefined
          ? null
          : `Rykkergebyr, rykker nr. ${n} af ${formatDanishDate(addDays(night.day, offset))}`
      })
    await client.query(
      `create temp table bench_months as
     select * from unnest($1::date[]${monthNumbers.map((k) => `, $${k + 1}::int[]`).join('')}${letterNumbers
       .map(
         (_n, i) =>
           `, $${monthNumbers.length + 2 + 2 * i}::text[], $${monthNumbers.length + 3 + 2 * i}::text[]`,
       )
       .join('')})
       as t(c${monthNumbers.map((k) => `, io_${k}`).join('')}${letterNumbers.map((n) => `, lt_public_${n}, lt_civil_${n}`).join('')})`,
      [
        nights.map((n) => n.day),
        ...monthNumbers.map((k) => nights.map((n) => n.offsets[k - 1])),
        ...letterNumbers.flatMap((n) => [letterTexts(pub, n), letterTexts(civ, n)]),
      ],
    )

    await client.query('drop table if exists bench_claims, bench_receipts')

    // Loan events, oldest first: a late return (its overdue fee: one public claim) or, one in ten, an item
    // declared lost (its top-tier fee, a public claim, and replacement and processing fee, a civil one).
    // Frequent borrowers (low patron ids) owe more often. Returns are up to 30 days late: later, the loan
    // would have been declared lost. Lost items are distinct lendable items that were on the shelf.
    await step(
      'receivables: loan events',
      `create temp table bench_ev as
     select x.*, case when lost then x.c - ${lostAfter} else x.c - late end as due,
            case when lost then li.id else 1 + 2 * floor(r_item * ${Math.floor(options.items / 2)})::int end as item_id
       from (select e, ${D} - age as c, age, patron, lost, late, t_frac, r_item,
                    case when lost then count(*) filter (where lost) over (order by e) end as lost_rank
               from (select e, ${sizes.days} - floor((e - 1)::float8 * ${sizes.days} / ${E})::int as age,
                            least(${P}, 1 + floor(${P} * power(random(), 1.5))::int) as patron,
                            random() < 0.1 as lost,
                            case when r < 0.6 then 1 + floor(r2 * 7)::int else 8 + floor(r2 * 23)::int end as late,
                            random() as t_frac, random() as r_item
                       from (select e, random() as r, random() as r2 from generate_series(1, ${E}) e) a) b) x
       left join (select row_number() over (order by id desc) as j, id
                    from (select id from items where id % 2 = 1 and not reference_only and status = 'available'
                           order by id desc limit ${Math.ceil(E * 0.12) + 10}) i) li on li.j = x.lost_rank`,
    )
    await client.query('analyze bench_ev')
    await step(
      'receivables: loans of the late returns and lost items',
      `insert into loans (id, municipality, item_id, patron_id, checked_out_at, due_date, renewals, returned_at,
                        lost_on, status)
     select ${loanBase} + e, ${M}, item_id, patron, ${at('due - 28', `interval '11 hours'`)}, due, 0,
            case when not lost then ${at('c', `interval '9 hours' + t_frac * interval '10 hours'`)} end,
            case when lost then c end, case when lost then 'lost' else 'returned' end
       from bench_ev`,
    )
    await step(
      'receivables: lost items',
      `update items set status = 'lost' where id in (select item_id from bench_ev where lost)`,
    )

    // The plan: one row per claim. Claims are made as groupIntoClaims makes them (per patron, loan and legal
    // kind); a child's claims go to the guardian (debtorsForCharges). The library's earlier overdue fees
    // become the first claims (ids by date), then two ids per loan event (public, civil).
    const adultFrom = library.overdueFees.adultFromAge.value
    const childTiers = library.overdueFees.child.value
    const adultTiers = library.overdueFees.adult.value
    const topChild = (childTiers[childTiers.length - 1] as { amount: number }).amount
    const topAdult = (adultTiers[adultTiers.length - 1] as { amount: number }).amount
    const prices = library.replacement.standardPrices.value
    const standardPrice = `case i.material_type ${Object.entries(prices.byType)
      .map(([type, price]) => `when ${quote(type)} then ${price}`)
      .join(' ')} else ${prices.default} end`
    const perUnit = library.replacement.perUnitTypes.value
    const units =
      perUnit.length === 0
        ? '1'
        : `case when i.material_type in (${perUnit.map(quote).join(',')}) then i.units else 1 end`
    const replacement = `case when i.ill_lending_library is not null and i.ill_price is not null
                                 and ${library.replacement.illUsesLendingLibraryPrice.value} then i.ill_price
                            when i.price is not null and ${library.replacement.preferItemPrice.value} then i.price
                            else ${standardPrice} * ${units} end`
    const child = `(p.birth_date > ev.due - interval '${adultFrom} years')`
    const overdueFee = `case when ev.lost then case when ${child} then ${topChild} else ${topAdult} end
                           when ${child} then ${tierCase(childTiers, 'ev.late')} else ${tierCase(adultTiers, 'ev.late')} end`
    const lostAt = at('ev.c', `interval '2 hours' + ev.t_frac * interval '10 minutes'`)
    const returnedAt = at('ev.c', `interval '9 hours' + ev.t_frac * interval '10 hours'`)
    const base = `
     select ${oldClaims} + 2 * ev.e - 1 as id, 'public' as legal_kind, false as old, false as old_paid,
            null::int as old_charge_id, ev.c, ev.patron, ${loanBase} + ev.e as loan_id, ev.item_id,
            case when ev.lost then ${lostAt} else ${returnedAt} end as created_at,
            'overdue-fee' as p1_kind, ${overdueFee} as p1_amount,
            case when ev.lost then 'overdue-fee-top-tier-on-lost' else 'overdue-fee-on-return' end as p1_rule,
            ev.due as p1_due, case when ev.lost then ${lostAfter} else ev.late end as p1_days,
            case when ev.lost then 'Ikke afleveret ${lostAfter} dage efter fristen (' || dd.danish
                                   || ') og derfor betragtet som bortkommet.'
                 else 'Afleveret ' || ev.late || ' dage for sent (frist ' || dd.danish || ').' end
              || ' Takst for ' || case when ${child} then 'børn' else 'voksne' end || ': '
              || pg_temp.bench_kr(${overdueFee}) || '. Kilde: ' || ${rulesName} || '.' as p1_text,
            jsonb_build_object('category', case when ${child} then 'child' else 'adult' end) as p1_details,
            null::int as p2_amount, null::text as p2_text, false as has_replacement, p.birth_date, p.guardian_id
       from bench_ev ev join patrons p on p.id = ev.patron join bench_days dd on dd.day = ev.due
     union all
     select ${oldClaims} + 2 * ev.e, 'civil', false, false, null, ev.c, ev.patron, ${loanBase} + ev.e, ev.item_id,
            ${lostAt}, 'replacement', ${replacement}, 'replacement', ev.due, null,
            'Erstatning for «' || i.title || '», som er meldt bortkommet. Kilde: ' || ${rulesName} || '.',
            jsonb_build_object('materialType', i.material_type, 'units', i.units),
            nullif(${library.replacement.processingFee.value}, 0),
            'Klargøring af ny «' || i.title || '». Kilde: ' || ${rulesName} || '.', true, p.birth_date, p.guardian_id
       from bench_ev ev join patrons p on p.id = ev.patron join items i on i.id = ev.item_id
      where ev.lost
     union all
     select (row_number() over (order by ch.charge_date, ch.id))::int, 'public', true, ch.status = 'paid', ch.id,
            ch.charge_date, ch.patron_id, ch.loan_id, ch.item_id, ch.created_at, ch.kind, ch.amount, ch.rule,
            ch.due_date, ch.days_overdue, ch.explanation, ch.details, null, null, false, p.birth_date, p.guardian_id
       from charges ch join patrons p on p.id = ch.patron_id
      where ch.municipality = ${M}`
    // When each claim is paid (its age on the day of payment; never, for 60 %): before the deadline, after it,
    // after each letter. Betalingsservice claims are collected on their deadline; the library's earlier
    // charges were paid within three days or not at all. A day's payments come after that night's run, so
    // a claim has what the runs did up to min(age - 1, paid at, transferred at): its `lim`.
    const bands = [
      { from: 1, to: dl, share: 0.22 },
      { from: dl, to: pub.letters[0]?.offset ?? pub.transferOffset, share: 0.05 },
      ...pub.letters.map((letter, i) => ({
        from: letter.offset,
        to: pub.letters[i + 1]?.offset ?? pub.transferOffset,
        share: [0.06, 0.04, 0.03][i] ?? 0.02,
      })),
    ].filter((band) => band.to > band.from)
    let cumulative = 0
    const payAge = `case when a.old then case when a.old_paid then 3 end
                       when a.bs then ${dl}
                       ${bands
                         .map((band) => {
                           cumulative += band.share
                           return `when a.r_pay < ${cumulative.toFixed(4)} then ${band.from} + floor(a.r_pay2 * ${band.to - band.from})::int`
                         })
                         .join('\n')} end`
    const partBefore = (row: string, offset: string) =>
      `case when ${row}part_age < ${offset} then ${row}part_amount else 0 end`
    const fees = [
      ...monthNumbers.map((k) => `coalesce(i_${k}, 0)`),
      ...letterNumbers.map((n) => `coalesce(l_${n}, 0)`),
    ]
    await step(
      'receivables: claim plan',
      `create unlogged table bench_claims as
     select g.*, ${fees.length > 0 ? fees.join(' + ') : '0'} as fees,
            ${letterNumbers.length > 0 ? letterNumbers.map((n) => `(l_${n} is not null)::int`).join(' + ') : '0'} as letters,
            ${letterNumbers.length > 0 ? `greatest(${letterNumbers.map((n) => `case when l_${n} is not null then ${letterOffset('', n)} end`).join(', ')})` : 'null::int'} as last_letter_o,
            ${letterNumbers.length > 0 ? `greatest(${letterNumbers.map((n) => `case when l_${n} is not null then ${letterDeadline('', n)} end`).join(', ')})` : 'null::int'} as last_letter_deadline_o,
            ${[...monthNumbers.map((k) => `case when io_${k} <= notice_off then coalesce(i_${k}, 0) else 0 end`), ...letterNumbers.map((n) => `coalesce(l_${n}, 0)`), '0'].join(' + ')} as fees_to_notice,
            0 as extra
       from (select f.*,
                    ${monthNumbers
                      .map(
                        (k) => `case when legal_kind = 'public' and io_${k} <= lim
                                     then nullif(floor(((principal - ${partBefore('', `io_${k}`)}) * ${percent} + 50) / 100)::int, 0)
                                end as i_${k}`,
                      )
                      .join(',\n')}${monthNumbers.length > 0 ? ',' : ''}
                    ${letterNumbers.map((n) => `case when ${letterOffset('', n)} <= lim then ${letterFee('', n)} end as l_${n}`).join(',\n')}${letterNumbers.length > 0 ? ',' : ''}
                    notice_off <= lim as has_notice
               from (select d.*${monthNumbers.map((k) => `, m.io_${k}`).join('')}${letterNumbers.map((n) => `, case d.legal_kind when 'public' then m.lt_public_${n} else m.lt_civil_${n} end as lt_${n}`).join('')}
                       from (select c.*,
                                    case when part then 2 + floor(r_part2 * (least(age - 1, ${dl - 1}) - 1))::int end as part_age,
                                    case when part then greatest(100, least(p1_amount - 100, floor(p1_amount * (0.2 + 0.6 * r_time))::int)) end as part_amount,
                                    case when bs then 'betalingsservice' when r_ch < 0.45 then 'bank'
                                         when r_ch < 0.8 then 'mbo-card' else 'mobilepay' end as channel,
                                    case when bs then ${at(`c + ${dl}`, `interval '2 hours 5 minutes'`)}
                                         else ${at('c + pay_age', `interval '8 hours' + r_time * interval '13 hours'`)} end as paid_at
                               from (select b.*, status = 'open' and not bs and age >= 3 and p1_amount >= 1000 and r_part < 0.06 as part
                                       from (select a.*, least(age - 1, coalesce(pay_age, 100000), transfer_off) as lim,
                                                    case when pay_age < age then 'paid' when age > transfer_off then 'transferred'
                                                         else 'open' end as status
                                               from (select a.*, ${payAge} as pay_age,
                                                            ${byKind('a.', (s) => s.transferOffset)} as transfer_off,
                                                            ${byKind('a.', (s) => s.noticeOffset)} as notice_off,
                                                            ${byKind('a.', (s) => s.noticeDeadlineOffset)} as notice_deadline_off
                                                       from (select b.*, ${D} - b.c as age, b.p1_amount + coalesce(b.p2_amount, 0) as principal,
                                                                    ${DEBTOR_ID_OFFSET} + dp.id as debtor_id, dp.id as debtor_patron,
                                                                    dp.name as debtor_name, dp.digital_post as debtor_digital_post,
                                                                    pg_temp.bench_payment_id(b.id) as payment_id,
                                                                    random() as r_pay, random() as r_pay2, random() as r_ch, random() as r_part,
                                                                    random() as r_part2, random() as r_time, random() as r_over,
                                                                    random() < 0.03 and not b.old as bs
                                                               from (${base}) b
                                                               join patrons dp on dp.id = case when b.birth_date > b.c - interval '${adultFrom} years'
                                                                                               and b.guardian_id is not null
                                                                                          then b.guardian_id else b.patron end) a
                                                     offset 0) a
                                             offset 0) b
                                     offset 0) c
                             offset 0) d
                       join bench_months m on m.c = d.c
                     offset 0) f
             offset 0) g`,
    )
    // Overpayments on 10 % of the paid claims of debtors with no other claim (the surplus would otherwise go
    // to their other claims), paid out to NemKonto after the bank days.
    await step(
      'receivables: overpayments',
      `update bench_claims cl set extra = 100 * (1 + floor(cl.r_part * 50)::int)
       from (select debtor_patron from bench_claims group by debtor_patron having count(*) = 1) single
      where single.debtor_patron = cl.debtor_patron and cl.status = 'paid' and cl.r_over < 0.1`,
    )
    await client.query('analyze bench_claims')

    // A claim's receipt: its payment when paid, its part payment when part paid.
    const receiptCols = `case when cl.status = 'paid' then cl.principal + cl.fees else cl.part_amount end as applied,
            case when cl.status = 'paid' then cl.paid_at
                 else ${at('cl.c + cl.part_age', `interval '8 hours' + cl.r_over * interval '13 hours'`)} end as received_at`
    await step(
      'receivables: receipt plan',
      `create unlogged table bench_receipts as
     select ${RECEIPT_ID_OFFSET} + cl.id as id, cl.id as claim_id, cl.debtor_id, cl.patron, cl.channel, cl.payment_id,
            cl.debtor_name, cl.extra, ${receiptCols}
       from bench_claims cl where cl.status = 'paid' or cl.part_amount is not null`,
    )

    /**
     * The lines of claim `cl`, as a lateral VALUES list filtered on `ln.amount is not null`: the principal
     * (one line, or replacement and processing fee), interest per started month, the dunning fees. Slots
     * give line ids in the order the lines were made (on one night interest before the letter's fee).
     */
    const lineValues = (withText: boolean) => {
      const text = (sql: string) => (withText ? `, ${sql}` : '')
      const rows = [
        `(1, cl.p1_kind, cl.p1_amount, 0${text('cl.p1_text')})`,
        `(2, 'processing-fee', cl.p2_amount, 0${text('cl.p2_text')})`,
        ...monthNumbers.map(
          (k) =>
            `(2 * cl.io_${k}, 'interest', cl.i_${k}, cl.io_${k}${text(`'Rente for ${k}. påbegyndte måned efter fristen'`)})`,
        ),
        ...letterNumbers.map(
          (n) =>
            `(2 * ${letterOffset('cl.', n)} + 1, 'dunning-fee', cl.l_${n}, ${letterOffset('cl.', n)}${text(`cl.lt_${n}`)})`,
        ),
      ]
      return `cross join lateral (values ${rows.join(',\n')}) as ln(slot, kind, amount, o${withText ? ', text' : ''})`
    }
    const lineId = `cl.id * ${LINE_SLOTS} + ln.slot`
    const linePaid = `case when cl.status = 'paid' then ln.amount when cl.part_amount is not null and ln.slot = 1
                         then cl.part_amount else 0 end`
    const lineAt = `case when ln.o = 0 then cl.created_at else ${at('cl.c + ln.o', `interval '2 hours'`)} end`
    const chargeId = `case when ln.slot = 1 and cl.old then cl.old_charge_id else ${chargeBase} + ${lineId} end`

    const charges: Job = [
      'receivables: library charges (new fees, dunning fees, interest)',
      `insert into charges (id, municipality, patron_id, loan_id, item_id, kind, amount, paid, status, charge_date,
                          created_at, policy_version, rule, due_date, days_overdue, explanation, details, settled_at)
     select ${chargeId}, ${M}, cl.patron, case when ln.o = 0 then cl.loan_id end, case when ln.o = 0 then cl.item_id end,
            ln.kind, ln.amount, ${linePaid}, case when ${linePaid} >= ln.amount then 'paid' else 'open' end,
            cl.c + ln.o, ${lineAt}, ${library.version},
            case ln.slot when 1 then cl.p1_rule when 2 then 'processing-fee-per-item' else 'receivables-' || ln.kind end,
            case when ln.o = 0 then cl.p1_due end, case when ln.slot = 1 then cl.p1_days end,
            case when ln.o = 0 then ln.text
                 else ln.text || ': ' || pg_temp.bench_kr(ln.amount) || ' på regning ' || cl.payment_id || '.' end,
            case ln.slot when 1 then cl.p1_details when 2 then '{}'::jsonb
                 else jsonb_build_object('claim', cl.id, 'paymentId', cl.payment_id) end,
            case when cl.status = 'paid' then cl.paid_at end
       from bench_claims cl ${lineValues(true)}
      where ln.amount is not null and not (ln.slot = 1 and cl.old)`,
    ]
    const oldCharges: Job = [
      'receivables: earlier charges brought in line with their claims',
      `update charges ch set paid = x.paid, status = case when x.paid >= ch.amount then 'paid' else 'open' end,
            settled_at = case when x.paid >= ch.amount then x.paid_at end
       from (select cl.old_charge_id, cl.paid_at,
                    case when cl.status = 'paid' then cl.p1_amount else coalesce(cl.part_amount, 0) end as paid
               from bench_claims cl where cl.old) x
      where ch.id = x.old_charge_id`,
    ]
    const claimLines: Job = [
      'receivables: claim lines',
      `insert into claim_lines (id, claim_id, charge_id, kind, text, amount, paid, status)
     select ${lineId}, cl.id, ${chargeId}, ln.kind, ln.text, ln.amount, ${linePaid},
            case when ${linePaid} >= ln.amount then 'paid' else 'open' end
       from bench_claims cl ${lineValues(true)}
      where ln.amount is not null`,
    ]
    const receipts: Job = [
      'receivables: receipts',
      `insert into receipts (id, municipality, channel, amount, received_at, business_date, debtor_id, claim_id,
                           payment_reference, external_ref, payer_name, status)
     select rc.id, ${M}, rc.channel, rc.applied + rc.extra, rc.received_at, (rc.received_at at time zone ${TZ})::date,
            rc.debtor_id, rc.claim_id, rc.payment_id,
            case when rc.channel = 'betalingsservice'
                 then 'betalingsservice-' || rc.claim_id || '-' || (rc.received_at at time zone ${TZ})::date
                 else 'bench-history-' || rc.id end,
            case when rc.channel = 'bank' then rc.debtor_name end, 'applied'
       from bench_receipts rc
     union all
     select ${RECEIPT_ID_OFFSET + claimCount} + u, ${M}, 'bank', 5000 + floor(random() * 30000)::int, x.at,
            (x.at at time zone ${TZ})::date, null, null, '9' || lpad((floor(random() * 1e13))::bigint::text, 14, '0'),
            'bench-unmatched-' || u, null, 'unmatched'
       from generate_series(1, ${Math.max(1, Math.round(E * 0.0005))}) u,
            lateral (select ${at(`${D} - 1 - floor(random() * ${sizes.days})::int + 0 * u`, `interval '9 hours' + random() * interval '8 hours'`)} as at) x`,
    ]
    const receiptAllocations: Job = [
      'receivables: receipt allocations',
      `insert into receipt_allocations (receipt_id, debtor_id, claim_line_id, amount, at)
     select ${RECEIPT_ID_OFFSET} + cl.id, cl.debtor_id, ${lineId}, ${linePaid},
            case when cl.status = 'paid' then cl.paid_at
                 else ${at('cl.c + cl.part_age', `interval '8 hours' + cl.r_over * interval '13 hours'`)} end
       from bench_claims cl ${lineValues(false)}
      where ln.amount is not null and ${linePaid} > 0`,
    ]
    // The library's side of each payment (paymentsApplied): a payment of the patron and its allocations.
    const libraryPayments: Job = [
      'receivables: library payments',
      `insert into payments (id, municipality, patron_id, amount, received_at, unapplied)
     select ${paymentBase} + rc.claim_id, ${M}, rc.patron, rc.applied, rc.received_at, 0 from bench_receipts rc`,
    ]
    const libraryAllocations: Job = [
      'receivables: library payment allocations',
      `insert into payment_allocations (payment_id, charge_id, amount)
     select ${paymentBase} + cl.id, ${chargeId}, ${linePaid}
       from bench_claims cl ${lineValues(false)}
      where ln.amount is not null and ${linePaid} > 0`,
    ]
    const payouts: Job = [
      'receivables: payouts',
      `insert into payouts (municipality, debtor_id, amount, reason, created_at, created_on, due_on, status, paid_out_on)
     select ${M}, rc.debtor_id, rc.extra, 'Overskydende indbetaling', rc.received_at, b.day, b.payout_due,
            case when b.payout_due <= ${D} - 1 then 'paid-out' else 'pending' end,
            case when b.payout_due <= ${D} - 1 then b.payout_due end
       from bench_receipts rc join bench_bankday b on b.day = (rc.received_at at time zone ${TZ})::date
      where rc.extra > 0
      order by rc.received_at`,
    ]
    const debtors: Job = [
      'receivables: debtors',
      `insert into debtors (id, municipality, patron_id, cpr_hash, cpr_encrypted, name, digital_post, credit)
     select ${DEBTOR_ID_OFFSET} + p.id, ${M}, p.id,
            p.cpr_hash, p.cpr_encrypted,
            p.name, p.digital_post, coalesce(po.credit, 0)
       from (select distinct debtor_patron from bench_claims) d join patrons p on p.id = d.debtor_patron
       left join (select debtor_id, sum(amount)::int as credit from payouts where status = 'pending'
                   group by debtor_id) po on po.debtor_id = ${DEBTOR_ID_OFFSET} + p.id`,
    ]
    const claims: Job = [
      'receivables: claims',
      `insert into claims (id, municipality, issuer_id, debtor_id, legal_kind, title, amount, paid, status, claim_date,
                         created_at, deadline, payment_id, dunning_letters, last_letter_on, last_letter_deadline,
                         transfer_notice_on, transferred_on, betalingsservice, billed_on)
     select cl.id, ${M}, ${issuerId}, cl.debtor_id, cl.legal_kind,
            case when cl.has_replacement then 'Erstatning for bortkommet materiale' else 'Gebyr for for sen aflevering' end,
            cl.principal + cl.fees,
            case when cl.status = 'paid' then cl.principal + cl.fees else coalesce(cl.part_amount, 0) end,
            cl.status, cl.c, cl.created_at, cl.c + ${dl}, cl.payment_id, cl.letters,
            cl.c + cl.last_letter_o, cl.c + cl.last_letter_deadline_o,
            case when cl.has_notice then cl.c + cl.notice_off end,
            case when cl.status = 'transferred' then cl.c + cl.transfer_off end, cl.bs,
            case when cl.lim >= 1 then cl.c + 1 end
       from bench_claims cl`,
    ]
    const transfers: Job = [
      'receivables: transfers',
      `insert into transfers (municipality, claim_id, debtor_id, amount, transferred_on)
     select ${M}, cl.id, cl.debtor_id, cl.principal + cl.fees - coalesce(cl.part_amount, 0), cl.c + cl.transfer_off
       from bench_claims cl where cl.status = 'transferred'`,
    ]
    // Bills, letters and written notices, all delivered on their night. A letter asks for what was open
    // before it (interest of the same night included) and its fee.
    const interestUpTo = (offset: string) =>
      monthNumbers
        .map((k) => ` + case when cl.io_${k} <= ${offset} then coalesce(cl.i_${k}, 0) else 0 end`)
        .join('')
    const billRows = [
      `('bill', 0, 1, cl.principal, 0, ${dl}, cl.lim >= 1)`,
      ...letterNumbers.map((n) => {
        const offset = letterOffset('cl.', n)
        const earlierFees = letterNumbers
          .filter((j) => j <= n)
          .map((j) => ` + coalesce(cl.l_${j}, 0)`)
          .join('')
        return `('dunning-letter', ${n}, ${offset}, cl.principal - ${partBefore('cl.', offset)}${earlierFees}${interestUpTo(offset)},
               cl.l_${n}, ${letterDeadline('cl.', n)}, cl.l_${n} is not null)`
      }),
      `('transfer-notice', 0, cl.notice_off, cl.principal - ${partBefore('cl.', 'cl.notice_off')} + cl.fees_to_notice, 0,
      cl.notice_deadline_off, cl.has_notice)`,
    ]
    const bills: Job = [
      'receivables: bills, letters and written notices',
      `insert into bills (municipality, claim_id, debtor_id, kind, letter_number, sent_on, sent_at, channel, amount,
                        fee, deadline, delivery_status, documents)
     select ${M}, cl.id, cl.debtor_id, b.kind, b.letter_number, cl.c + b.o, ${at('cl.c + b.o', `interval '2 hours'`)},
            case when cl.debtor_digital_post then 'digital-post' else 'letter' end, b.amount, b.fee,
            cl.c + b.deadline_o, 'delivered', '[]'::jsonb
       from bench_claims cl
       cross join lateral (values ${billRows.join(',\n')}) as b(kind, letter_number, o, amount, fee, deadline_o, present)
      where b.present`,
    ]
    // The ledger: each line as a receivable against income, each receipt into the debtor's credit (or
    // suspense), each application out of it, each payout to NemKonto.
    const ledger: Job = [
      'receivables: ledger',
      `insert into ledger_entries (municipality, business_date, at, debit, credit, amount, debtor_id, claim_id,
                                 receipt_id, memo)
     select ${M}, cl.c + ln.o, ${lineAt}, 'receivable', 'income:' || ln.kind, ln.amount, cl.debtor_id, cl.id, null,
            case when ln.o = 0 then 'claim' else ln.kind end
       from bench_claims cl ${lineValues(false)}
      where ln.amount > 0
     union all
     select ${M}, r.business_date, r.received_at, 'bank:' || r.channel,
            case when r.status = 'applied' then 'debtor-credit' else 'suspense' end, r.amount, r.debtor_id,
            r.claim_id, r.id,
            case when r.status = 'applied' then 'payment received' else 'payment held for manual matching' end
       from receipts r where r.municipality = ${M}
     union all
     select ${M}, (rc.received_at at time zone ${TZ})::date, rc.received_at, 'debtor-credit', 'receivable',
            rc.applied, rc.debtor_id, rc.claim_id, rc.id, 'payment applied'
       from bench_receipts rc
     union all
     select ${M}, po.paid_out_on, ${at('po.paid_out_on', `interval '2 hours'`)}, 'debtor-credit',
            'bank:nemkonto-payouts', po.amount, po.debtor_id, null, null, 'payout: ' || po.reason
       from payouts po where po.status = 'paid-out'`,
    ]

    // Two connections, each table written by one: the load is CPU-bound, and there are two cores.
    await inParallel([charges, oldCharges], [claimLines])
    await inParallel(
      [receipts, payouts, debtors, claims],
      [receiptAllocations, libraryPayments, libraryAllocations],
    )
    await inParallel([transfers, bills], [ledger])

    // What tonight's run has to do, by the plan.
    const isAge = (offsets: string[]) =>
      offsets.length === 0 ? 'false' : offsets.map((o) => `${o} = age`).join(' or ')
    const { rows: due } = await client.query<Record<string, string>>(
      `select count(*) filter (where status = 'open' and age = 1) as bills,
            count(*) filter (where status = 'open' and bs and age = ${dl}) as collections,
            count(*) filter (where status = 'open' and legal_kind = 'public' and (${isAge(monthNumbers.map((k) => `io_${k}`))})) as interest,
            count(*) filter (where status = 'open' and (${isAge(letterNumbers.map((n) => letterOffset('', n)))})) as "dunningLetters",
            count(*) filter (where status = 'open' and notice_off = age) as "transferNotices",
            count(*) filter (where status = 'open' and transfer_off = age) as transfers,
            (select count(*) from payouts where status = 'pending' and due_on <= ${D}) as payouts
       from bench_claims`,
    )
    if (process.env.BENCH_KEEP_PLAN)
      await client.query('create table bench_plan_claims as select * from bench_claims')
    for (const table of [
      'bench_bankday',
      'bench_days',
      'bench_months',
      'bench_ev',
      'bench_claims',
      'bench_receipts',
    ]) {
      await client.query(`drop table if exists ${table}`)
    }
    // Explicit ids were given: later inserts without one (here and by the service) go on from the highest.
    for (const table of ['loans', 'charges', 'payments', ...RECEIVABLES_TABLES]) {
      await client.query(
        `select setval(pg_get_serial_sequence('${table}', 'id'), greatest(1, (select coalesce(max(id), 0) from ${table})))`,
      )
    }
    const d = due[0] ?? {}
    const num = (v: string | undefined) => Number(v ?? 0)
    return {
      ...(await countReceivables(client)),
      dueTonight: {
        bills: num(d.bills),
        collections: num(d.collections),
        interest: num(d.interest),
        dunningLetters: num(d.dunningLetters),
        transferNotices: num(d.transferNotices),
        transfers: num(d.transfers),
        payouts: num(d.payouts),
        exclusions: 0,
      },
    }
  }
}

async function countReceivables(client: pg.Client): Promise<Omit<ReceivablesInfo, 'dueTonight'>> {
  const { rows } = await client.query<Record<string, string>>(
    `select count(*) as claims,
            count(*) filter (where status = 'open') as "openClaims",
            count(*) filter (where status = 'open' and paid > 0) as "partPaidClaims",
            count(*) filter (where status = 'paid') as "paidClaims",
            count(*) filter (where status = 'transferred') as "transferredClaims",
            (select count(*) from debtors) as debtors,
            (select count(*) from claim_lines) as "claimLines",
            (select count(*) from bills) as bills,
            (select count(*) from receipts) as receipts,
            (select count(*) from ledger_entries) as "ledgerEntries",
            (select count(*) from payouts where status = 'pending') as "pendingPayouts"
       from claims`,
  )
  const r = rows[0] ?? {}
  const num = (v: string | undefined) => Number(v ?? 0)
  return {
    claims: num(r.claims),
    openClaims: num(r.openClaims),
    partPaidClaims: num(r.partPaidClaims),
    paidClaims: num(r.paidClaims),
    transferredClaims: num(r.transferredClaims),
    debtors: num(r.debtors),
    claimLines: num(r.claimLines),
    bills: num(r.bills),
    receipts: num(r.receipts),
    ledgerEntries: num(r.ledgerEntries),
    pendingPayouts: num(r.pendingPayouts),
  }
}

/** The tables this module fills (their secondary indexes are dropped for the load, sequences set after). */
export const RECEIVABLES_TABLES = [
  'debtors',
  'claims',
  'claim_lines',
  'bills',
  'receipts',
  'receipt_allocations',
  'payouts',
  'transfers',
  'ledger_entries',
  'payment_allocations',
]
