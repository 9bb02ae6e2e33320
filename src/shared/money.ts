/** Money is integer øre. */
export type Ore = number

/** "120 kr", "12,50 kr" */
export function formatKroner(amount: Ore): string {
  const kroner = Math.trunc(amount / 100)
  const ore = Math.abs(amount % 100)
  const sign = amount < 0 && kroner === 0 ? '-' : ''
  const whole = `${sign}${kroner}`.replace(/\B(?=(\d{3})+(?!\d))/g, '.')
  return ore === 0 ? `${whole} kr` : `${whole},${String(ore).padStart(2, '0')} kr`
}

export function kroner(amount: number): Ore {
  return Math.round(amount * 100)
}
