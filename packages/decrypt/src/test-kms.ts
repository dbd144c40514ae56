// Test-only: an in-process KmsUnwrapper backed by the vectors' kms-mappings.json, standing in for
// the AWS adapter so the envelope path is tested without a network.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { VECTORS_DIR } from '@clef-sh/testing'
import type { KmsUnwrapper, UnwrapRequest } from './decryptor.ts'

interface Mapping {
  keyId: string
  wrappedKey: string
  dek: string
}

/** A mapping-backed unwrapper that records the requests and the DEK buffers it handed out. */
export interface TestKms extends KmsUnwrapper {
  readonly requests: UnwrapRequest[]
  readonly issued: Uint8Array[]
}

const MAPPINGS = JSON.parse(readFileSync(join(VECTORS_DIR, 'keys', 'kms-mappings.json'), 'utf8')) as Mapping[]

/** Unwraps every wrappedKey of kms-mappings.json (plus `extra`); anything else throws a plain Error. */
export const createTestKms = (extra: Mapping[] = []): TestKms => {
  const requests: UnwrapRequest[] = []
  const issued: Uint8Array[] = []
  return {
    provider: 'aws',
    requests,
    issued,
    unwrap: (req) => {
      requests.push(req)
      const wrapped = Buffer.from(req.wrappedKey).toString('base64')
      const m = [...MAPPINGS, ...extra].find((x) => x.wrappedKey === wrapped && x.keyId === req.keyId)
      if (m === undefined) return Promise.reject(new Error('InvalidCiphertextException'))
      const dek = Buffer.from(m.dek, 'base64')
      issued.push(dek)
      return Promise.resolve(dek)
    },
  }
}
