/**
 * The few XML reads S3's answers need (error documents, ListObjectsV2 pages): flat elements
 * without attributes that matter, text with the five predefined entities and character
 * references. Not a general XML parser.
 */

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }

/** Decodes XML entities and character references in element text. */
export function decodeXmlText(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, ref: string) => {
    if (ref[0] === '#') {
      const code = ref[1] === 'x' || ref[1] === 'X' ? Number.parseInt(ref.slice(2), 16) : Number(ref.slice(1))
      return Number.isInteger(code) && code >= 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole
    }
    return ENTITIES[ref.toLowerCase()] ?? whole
  })
}

/** The inner markup of every `<tag>...</tag>` element (also `<tag attr="...">`), in order. */
export function xmlElements(doc: string, tag: string): string[] {
  const out: string[] = []
  const open = new RegExp(`<${tag}(?:\\s[^>]*)?>`, 'g')
  const close = `</${tag}>`
  for (let match = open.exec(doc); match !== null; match = open.exec(doc)) {
    const start = match.index + match[0].length
    const end = doc.indexOf(close, start)
    if (end < 0) break
    out.push(doc.slice(start, end))
    open.lastIndex = end + close.length
  }
  return out
}

/** The decoded text of the first `<tag>` element, or `undefined`. */
export function xmlText(doc: string, tag: string): string | undefined {
  const inner = xmlElements(doc, tag)[0]
  return inner === undefined ? undefined : decodeXmlText(inner)
}
