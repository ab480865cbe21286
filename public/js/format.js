// A message's text as DOM nodes: a small Markdown subset (**bold**, *italic* or _italic_,
// `inline code`, ``` fenced blocks ```, > quotes), http(s) URLs as links, and @mentions.
//
// Hand-written rather than a vendored Markdown library: the subset is five constructs, and a
// library would produce HTML to sanitize, where this only ever creates elements and text nodes
// (createElement / textContent). No user text can become markup, an attribute or a URL scheme
// other than http(s).

const FENCE = /^\s*```/
const QUOTE = /^>[ \t]?/
// An @name: the username alphabet of API.md §3 (a trailing dot is punctuation, not the name).
const MENTION = /@([A-Za-z0-9_.-]*[A-Za-z0-9_-])/y
const URL_RE = /https?:\/\/[^\s<>"'`]+/iy
// Closing punctuation that ends a sentence rather than a URL.
const URL_TAIL = /[.,;:!?'"\]]+$/
const CODE = /`([^`\n]+)`/y
const BOLD = /\*\*(?=\S)([\s\S]*?\S)\*\*/y
const ITALIC_STAR = /\*(?=[^\s*])([^*\n]*?[^\s*])\*/y
const ITALIC_UNDERSCORE = /_(?=[^\s_])([^_\n]*?[^\s_])_/y
const WORD = /[\p{L}\p{N}_]/u

/**
 * renderBody(text, {mention}) → a DocumentFragment. `mention` is the reader's own name: an
 * `@mention` of it is marked (class mention-me).
 */
export function renderBody(text, { mention } = {}) {
  const frag = document.createDocumentFragment()
  appendBlocks(frag, String(text ?? '').split('\n'), { mention: mention?.toLowerCase() })
  return frag
}

/** Whether `text` mentions @name (case-insensitive, as a whole name). */
export function mentions(text, name) {
  if (!text || !name) return false
  const wanted = name.toLowerCase()
  for (let i = text.indexOf('@'); i !== -1; i = text.indexOf('@', i + 1)) {
    if (mentionAt(text, i)?.toLowerCase() === wanted) return true
  }
  return false
}

function appendBlocks(parent, lines, opts) {
  let para = []
  const flush = () => {
    if (para.length) parent.append(el('p', inline(para.join('\n'), opts)))
    para = []
  }
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]
    if (FENCE.test(line)) {
      const end = lines.findIndex((l, j) => j > i && /^\s*```\s*$/.test(l))
      if (end !== -1) {
        flush()
        const code = el('code', [document.createTextNode(lines.slice(i + 1, end).join('\n'))])
        parent.append(el('pre', [code]))
        i = end
        continue
      }
    }
    if (QUOTE.test(line)) {
      flush()
      const quoted = []
      while (i < lines.length && QUOTE.test(lines[i])) quoted.push(lines[i++].replace(QUOTE, ''))
      i--
      const quote = document.createElement('blockquote')
      appendBlocks(quote, quoted, opts)
      parent.append(quote)
      continue
    }
    para.push(line)
  }
  flush()
}

/** Inline formatting of one paragraph: an array of nodes. */
function inline(text, opts) {
  const out = []
  let plain = ''
  const flushText = () => {
    if (plain) out.push(document.createTextNode(plain))
    plain = ''
  }
  let i = 0
  while (i < text.length) {
    const token = tokenAt(text, i, opts)
    if (token) {
      flushText()
      out.push(token.node)
      i = token.end
    } else plain += text[i++]
  }
  flushText()
  return out
}

function tokenAt(text, i, opts) {
  const c = text[i]
  const before = i > 0 ? text[i - 1] : ''
  if (c === '`') {
    const m = match(CODE, text, i)
    if (m) return { node: el('code', [document.createTextNode(m[1])]), end: i + m[0].length }
  } else if (c === '*') {
    const bold = match(BOLD, text, i)
    if (bold) return { node: el('strong', inline(bold[1], opts)), end: i + bold[0].length }
    const em = !isWord(before) && match(ITALIC_STAR, text, i)
    if (em && !isWord(text[i + em[0].length])) return { node: el('em', inline(em[1], opts)), end: i + em[0].length }
  } else if (c === '_') {
    // Only at word edges, so snake_case_names stay as they are.
    const em = !isWord(before) && match(ITALIC_UNDERSCORE, text, i)
    if (em && !isWord(text[i + em[0].length])) return { node: el('em', inline(em[1], opts)), end: i + em[0].length }
  } else if ((c === 'h' || c === 'H') && !isWord(before)) {
    const m = match(URL_RE, text, i)
    if (m) {
      const url = trimUrl(m[0])
      const link = linkTo(url)
      if (link) return { node: link, end: i + url.length }
    }
  } else if (c === '@') {
    const name = mentionAt(text, i)
    if (name) {
      const mine = opts.mention && name.toLowerCase() === opts.mention
      const node = document.createElement(mine ? 'mark' : 'span')
      node.className = mine ? 'mention mention-me' : 'mention'
      node.textContent = `@${name}`
      return { node, end: i + 1 + name.length }
    }
  }
  return null
}

function mentionAt(text, i) {
  if (isWord(i > 0 ? text[i - 1] : '') || text[i - 1] === '@') return null
  const m = match(MENTION, text, i)
  return m ? m[1] : null
}

function match(re, text, i) {
  re.lastIndex = i
  return re.exec(text)
}

const isWord = (ch) => !!ch && WORD.test(ch)

/** A URL without the sentence's closing punctuation; a ')' stays when the URL opened one. */
function trimUrl(url) {
  let u = url.replace(URL_TAIL, '')
  while (u.endsWith(')') && count(u, '(') < count(u, ')')) u = u.slice(0, -1).replace(URL_TAIL, '')
  return u
}

const count = (s, ch) => s.split(ch).length - 1

function linkTo(raw) {
  let url
  try {
    url = new URL(raw)
  } catch {
    return null
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null
  const a = document.createElement('a')
  a.href = url.href
  a.target = '_blank'
  a.rel = 'noopener noreferrer'
  a.textContent = raw
  return a
}

function el(tag, children) {
  const node = document.createElement(tag)
  node.append(...children)
  return node
}
