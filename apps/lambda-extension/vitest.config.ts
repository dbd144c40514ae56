import { defineProject } from 'vitest/config'

// End-to-end tests spawn the built bundle (`pnpm build` runs first in `pnpm test`).
export default defineProject({
  test: { name: 'lambda-extension', include: ['src/**/*.test.ts', 'test/**/*.test.ts'], testTimeout: 20_000 },
})
