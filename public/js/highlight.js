// A search result's `highlight` (API.md §16) as DOM nodes. The server sends the text HTML-escaped
// with the matched words in <mark>…</mark>; even so it never goes through innerHTML here: the two
// mark tags become <mark> elements, the five escapes the server writes become their characters,
// and anything else (a tag, an unknown entity) stays the text it is.

const TOKEN = /<mark>|<\/mark>|&(?:amp|lt|gt|quot|#39|#x27|apos);/g
const ENTITIES = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'", '&#x27;': "'", '&apos;': "'" }

/** highlightNodes('a &lt;b&gt; <mark>deploy</mark>ment') → a fragment of text and <mark> nodes. */
export function highlightNodes(highlight) {
  const frag = document.createDocumentFragment()
  const source = String(highlight ?? '')
  let parent = frag
  let text = ''
  const flush = () => {
    if (text) parent.append(document.createTextNode(text))
    text = ''
  }
  let last = 0
  for (const m of source.matchAll(TOKEN)) {
    text += source.slice(last, m.index)
    last = m.index + m[0].length
    if (m[0] === '<mark>') {
      if (parent !== frag) {
        text += m[0] // nested: not markup the server writes, so it is text
        continue
      }
      flush()
      parent = document.createElement('mark')
      frag.append(parent)
    } else if (m[0] === '</mark>') {
      if (parent === frag) {
        text += m[0]
        continue
      }
      flush()
      parent = frag
    } else text += ENTITIES[m[0]]
  }
  text += source.slice(last)
  flush()
  return frag
}
