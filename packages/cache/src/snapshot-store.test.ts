import { describe, expect, it } from 'vitest'
import { createSnapshotStore } from './snapshot-store.ts'
import { createJitStore } from './jit-store.ts'

describe('createSnapshotStore', () => {
  it('starts empty, swaps and returns the previous snapshot', () => {
    const store = createSnapshotStore<{ revision: string }>()
    expect(store.get()).toBeUndefined()
    const a = { revision: 'a' }
    const b = { revision: 'b' }
    expect(store.swap(a)).toBeUndefined()
    expect(store.get()).toBe(a)
    expect(store.swap(b)).toBe(a)
    expect(store.get()).toBe(b)
  })

  it('a reader holding the old snapshot keeps a consistent object across a swap', () => {
    const store = createSnapshotStore<{ revision: string; values: Record<string, string> }>()
    store.swap({ revision: 'r1', values: { A: '1', B: '1' } })
    const held = store.get()
    store.swap({ revision: 'r2', values: { A: '2', B: '2' } })
    expect(held).toEqual({ revision: 'r1', values: { A: '1', B: '1' } })
    expect(store.get()?.values).toEqual({ A: '2', B: '2' })
  })

  it('clear drops the snapshot and hands it back', () => {
    const store = createSnapshotStore<string>()
    store.swap('x')
    expect(store.clear()).toBe('x')
    expect(store.get()).toBeUndefined()
    expect(store.clear()).toBeUndefined()
  })
})

describe('createJitStore', () => {
  it('holds one encrypted entry at a time and clears', () => {
    const store = createJitStore<{ ciphertext: string }>()
    expect(store.get()).toBeUndefined()
    const first = { artifact: { ciphertext: 'AAA' }, revision: 'r1' }
    const second = { artifact: { ciphertext: 'BBB' }, revision: 'r2' }
    expect(store.set(first)).toBeUndefined()
    expect(store.set(second)).toBe(first)
    expect(store.get()?.revision).toBe('r2')
    store.clear()
    expect(store.get()).toBeUndefined()
  })
})
