// The test projects: every library package, every app, and the repo-level tests (publishing).
// The AWS SDK's notice about Node 20 support is for operators, not test output; workers and the
// processes they spawn inherit this.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true'

const projects: string[] = ['packages/*', 'apps/*', 'test']
export default projects
