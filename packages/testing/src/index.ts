export * from './vectors.ts'
export * from './pack.ts'

export * from './http-origin.ts'
export * from './temp-dir.ts'
export * from './fake-kms.ts'
