export * from './vectors.ts'
export * from './pack.ts'


export * from './temp-dir.ts'
