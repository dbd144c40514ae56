// Entry of the `clef-agent` daemon and CLI: hands argv and the environment to the commands. Every
// behaviour lives in the packages and in the command modules; this file only owns the fatal exit.
import { runCli } from './commands.ts'
import { fail, messageOf } from './startup.ts'

runCli(process.argv.slice(2), process.env).catch((e: unknown) => fail(`fatal: ${messageOf(e)}`))
