// The test projects: every library package and every app runs in one `vitest run`.
export default ['packages/*', 'apps/*', 'test']
