// A file packed for other recipients names the agent's own recipient (its public key, never the
// private key) in the hint, on the node:crypto path and on the library path alike, so an operator
// can compare it with the recipients the artifact was packed for.
import {
  Encrypter,
  generateHybridIdentity,
  generateX25519Identity,
  identityToRecipient,
} from 'age-encryption'
import { describe, expect, it } from 'vitest'
import { createAgeDecrypt } from './age-decrypt.ts'
import { failure } from './test-helpers.ts'

const encryptTo = async (recipient: string): Promise<Uint8Array> => {
  const e = new Encrypter()
  e.addRecipient(recipient)
  return e.encrypt('{"app":{"K":"v"}}')
}

/** The `decrypt` failure of `identity` on a file for a stranger of `stranger()`'s kind. */
const refusal = async (identity: string, stranger: () => Promise<string>) => {
  const file = await encryptTo(await identityToRecipient(await stranger()))
  return failure(createAgeDecrypt(identity)(file))
}

describe('a file packed for other recipients', () => {
  it('X25519 identity: the hint names its age1 recipient, the message stays fixed', async () => {
    const me = await generateX25519Identity()
    const err = await refusal(me, generateX25519Identity)
    expect(err.code).toBe('decrypt')
    expect(err.message).toBe("age decryption failed: no identity matched any of the file's recipients")
    expect(err.hint).toContain(`this agent's age recipient (public key) is ${await identityToRecipient(me)}`)
    expect(`${err.message} ${err.hint ?? ''}`).not.toContain(me.slice('AGE-SECRET-KEY-1'.length, 30))
  })

  it('X25519 identity, file with only post-quantum stanzas (library path): the same hint', async () => {
    const me = await generateX25519Identity()
    const err = await refusal(me, generateHybridIdentity)
    expect(err.code).toBe('decrypt')
    expect(err.hint).toContain(await identityToRecipient(me))
  })

  it('hybrid post-quantum identity: the hint names its age1pq1 recipient', async () => {
    const me = await generateHybridIdentity()
    const err = await refusal(me, generateHybridIdentity)
    expect(err.code).toBe('decrypt')
    const recipient = await identityToRecipient(me)
    expect(recipient).toMatch(/^age1pq1/)
    expect(err.hint).toContain(recipient)
    expect(`${err.message} ${err.hint ?? ''}`).not.toContain(me.slice('AGE-SECRET-KEY-PQ-1'.length, 30))
  })
})
