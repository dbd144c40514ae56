import { describe, expect, it } from 'vitest'
import { lazyClient } from './lazy-client.ts'

describe('lazyClient', () => {
  const ctx = { module: '@example/sdk', where: '[GET] "s3://b/k"', source: 's3://b/k' }

  it('loads once and hands every caller the same client', async () => {
    let loads = 0
    const client = lazyClient(() => Promise.resolve({ id: ++loads }), ctx)
    const [a, b] = await Promise.all([client(), client()])
    expect(a).toBe(b)
    expect(await client()).toBe(a)
    expect(loads).toBe(1)
  })

  it('reports a failed load as a permanent source_unreachable and tries again at the next call', async () => {
    let loads = 0
    const client = lazyClient(() => {
      loads += 1
      return loads === 1
        ? Promise.reject(new Error("Cannot find module '@example/sdk'"))
        : Promise.resolve({ id: loads })
    }, ctx)
    await expect(client()).rejects.toMatchObject({
      name: 'SourceError',
      code: 'source_unreachable',
      transient: false,
      source: 's3://b/k',
      message: '[GET] "s3://b/k": cannot load @example/sdk',
    })
    expect(await client()).toEqual({ id: 2 })
    expect(loads).toBe(2)
  })
})
