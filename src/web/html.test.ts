import assert from 'node:assert/strict'
import { it } from 'node:test'
import fc from 'fast-check'
import { escapeHtml, html, raw } from './html.ts'

it('escapes interpolated text and keeps nested html', () => {
  const name = '<script>alert("x")</script> & Ærø'
  const page = html`<p title="${name}">${name}</p>${html`<b>${'ok'}</b>`}${raw('<hr>')}`
  assert.equal(
    page.text,
    '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Ærø">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Ærø</p><b>ok</b><hr>',
  )
})

it('renders arrays, numbers and nothing for null, undefined and false', () => {
  assert.equal(
    html`${[1, 2].map((n) => html`<i>${n}</i>`)}${null}${undefined}${false}`.text,
    '<i>1</i><i>2</i>',
  )
})

it('never lets a tag or an attribute quote through', () => {
  fc.assert(
    fc.property(fc.string(), (text) => {
      const out = escapeHtml(text)
      assert.ok(!/[<>"']/.test(out))
    }),
  )
})
