import { describe, expect, it } from 'vitest'
import { MetadataStore } from './metadata.js'

describe('MetadataStore', () => {
  it('counts rows added without metadata and reads them as the default id', () => {
    const store = new MetadataStore()
    store.append(0, 3, undefined)
    store.append(3, 2, [{ id: 'a', year: 2020 }, { id: 'b' }])
    store.append(5, 2, undefined)
    expect(store.length).toBe(7)
    expect(store.get(1)).toEqual({ id: '1' })
    expect(store.get(3)).toEqual({ id: 'a', year: 2020 })
    expect(store.get(6)).toEqual({ id: '6' })
    expect(store.raw(6)).toBeUndefined()
    expect([...store.fields].sort()).toEqual(['id', 'year'])
  })

  it('holds no memory per default row (eight million rows cost no array slots)', () => {
    const before = process.memoryUsage().heapUsed
    const store = new MetadataStore()
    store.append(0, 8_000_000, undefined)
    store.append(8_000_000, 1, [{ id: 'last' }])
    const grown = process.memoryUsage().heapUsed - before
    expect(store.length).toBe(8_000_001)
    expect(store.get(7_999_999)).toEqual({ id: '7999999' })
    expect(store.get(8_000_000)).toEqual({ id: 'last' })
    expect(grown).toBeLessThan(32 * 1024 * 1024)
  })

  it('keeps data keys such as __proto__ as own properties of the metadata', () => {
    const store = new MetadataStore()
    const item = JSON.parse('{"__proto__": {"admin": true}, "id": "x"}') as Record<string, unknown>
    store.append(0, 1, [item])
    const read = store.get(0)
    expect(Object.hasOwn(read, '__proto__')).toBe(true)
    expect((read as { admin?: unknown }).admin).toBeUndefined()
  })
})
