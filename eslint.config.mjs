// Lint: typescript-eslint strict type-checked rules, plus the house rules of docs/DESIGN.md.
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      'coverage/**',
      'test/vectors/**',
      '**/*.mjs',
      '**/*.cjs',
      '**/*.js',
      // Tool config files, outside every tsconfig, so the type-aware rules cannot see them.
      '**/vitest.config.ts',
      'vitest.workspace.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      'max-params': ['error', 3],
      // An `await using` binding is used by its disposal at scope exit, never by name.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreUsingDeclarations: true }],
      'no-restricted-imports': ['error', { patterns: ['@clef-sh/*/src/*'] }],
    },
  },
  {
    files: ['**/*.test.ts', '**/test/**/*.ts', 'packages/testing/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-floating-promises': 'off',
      // vitest types its asymmetric matchers (expect.any, expect.stringContaining, expect.objectContaining…)
      // as `any`, so every use inside toMatchObject/toEqual/toThrow would be reported.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
    },
  },
)
