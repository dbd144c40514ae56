import { defineProject } from 'vitest/config'

// The image's entry bundle is built by `pnpm build` before `vitest run`.
export default defineProject({
  test: { name: 'sidecar', include: ['src/**/*.test.ts', 'test/**/*.test.ts'], testTimeout: 20_000 },
})
