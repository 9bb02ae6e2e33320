// For the browser tests: Debian's Chromium through playwright-core (never a downloaded browser), a free
// port, axe-core's WCAG 2.1 A/AA check, and screenshots for the README.

import assert from 'node:assert/strict'
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import net from 'node:net'
import type { Page } from 'playwright-core'

export const CHROMIUM = process.env.LAAN_CHROMIUM ?? '/usr/bin/chromium'
export const PHONE = { width: 360, height: 740 }
export const DESKTOP = { width: 1280, height: 900 }
const SCREENSHOTS = new URL('../../docs/screenshots/', import.meta.url)
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

/** A machine without Chromium skips the browser tests; CI installs it (.ci/run), and there they must run. */
export const skipWithoutBrowser =
  !existsSync(CHROMIUM) && process.env.CI !== 'true' ? `no browser at ${CHROMIUM}` : false

export async function freePort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** axe-core on the page as it is: no WCAG 2.0/2.1 A or AA violation. */
export async function assertAccessible(page: Page, name: string): Promise<void> {
  await page.evaluate(axeSource)
  const violations = await page.evaluate(async () => {
    // biome-ignore lint/suspicious/noExplicitAny: axe is injected into the page at run time
    const axe = (window as any).axe
    const result = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    })
    return result.violations.map((v: { id: string; help: string; nodes: { target: string[] }[] }) => ({
      id: v.id,
      help: v.help,
      targets: v.nodes.map((n) => n.target.join(' ')),
    }))
  })
  assert.deepEqual(violations, [], `${name}: ${JSON.stringify(violations, null, 2)}`)
}

/** Accessible on a phone and a desktop, and no sideways scrolling on the phone; back at desktop size. */
export async function assertAccessibleOnPhoneAndDesktop(page: Page, name: string): Promise<void> {
  for (const size of [PHONE, DESKTOP]) {
    await page.setViewportSize(size)
    await assertAccessible(page, `${name} at ${size.width} px`)
    if (size === PHONE) {
      const width = await page.evaluate(() => document.documentElement.scrollWidth)
      assert.ok(width <= PHONE.width, `${name} scrolls sideways on a phone: ${width} px`)
    }
  }
}

/** Full-page screenshots on a phone and a desktop in docs/screenshots/, `<name>-phone.png` and `-desktop.png`. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true })
  for (const [label, size] of [
    ['phone', PHONE],
    ['desktop', DESKTOP],
  ] as const) {
    await page.setViewportSize(size)
    await page.screenshot({ path: new URL(`${name}-${label}.png`, SCREENSHOTS).pathname, fullPage: true })
  }
  await page.setViewportSize(DESKTOP)
}
