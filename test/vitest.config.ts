import { defineProject, type UserWorkspaceConfig } from 'vitest/config'

// Repo-level checks of what gets published (packed tarballs, consumer projects, publint, attw).
const config: UserWorkspaceConfig = defineProject({
  test: { name: 'library', include: ['library/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 120_000 },
})
export default config
