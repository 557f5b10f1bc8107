/**
 * A glob as the hub's `data_files` patterns use them, as a regular expression over `/`-separated
 * paths: `*` and `?` stay inside one path segment, `**` crosses segments (and `**` followed by a slash also
 * matches no folder at all), `[...]` is a character class (`[!...]` negated).
 */
export function globToRegExp(glob: string): RegExp {
  let re = ''
  const g = glob.replace(/^\.\//, '')
  for (let i = 0; i < g.length; i++) {
    const c = g[i] as string
    if (c === '*') {
      if (g[i + 1] === '*') {
        if (g[i + 2] === '/') {
          re += '(?:.*/)?'
          i += 2
        } else {
          re += '.*'
          i += 1
        }
      } else {
        re += '[^/]*'
      }
    } else if (c === '?') {
      re += '[^/]'
    } else if (c === '[') {
      const end = g.indexOf(']', i + 2)
      if (end === -1) {
        re += '\\['
        continue
      }
      let cls = g.slice(i + 1, end)
      if (cls.startsWith('!')) cls = `^${cls.slice(1)}`
      re += `[${cls.replace(/[\\\]]/g, '\\$&')}]`
      i = end
    } else {
      re += c.replace(/[.+^${}()|\\]/g, '\\$&')
    }
  }
  return new RegExp(`^${re}$`)
}
