export * from './vectors.ts'


export * from './temp-dir.ts'
