// The test projects: every library package, every app, and the repo-level tests (publishing).
const projects: string[] = ['packages/*', 'apps/*', 'test']
export default projects
