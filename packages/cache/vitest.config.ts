import { defineProject } from 'vitest/config'

export default defineProject({ test: { name: 'cache', include: ['src/**/*.test.ts', 'test/**/*.test.ts'] } })
