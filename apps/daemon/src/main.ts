// Entry of the `clef-agent` daemon and CLI, and of its single executable. Started by Lambda
// (AWS_LAMBDA_RUNTIME_API set) it runs as the Lambda extension, so one binary serves every form;
// otherwise it hands argv and the environment to the commands. Everything else lives in
// @clef-sh/shell; this file only picks the shell and owns the last-resort fatal exit.
import pkg from '../package.json' with { type: 'json' }
import { startedByLambda } from '@clef-sh/shell/lambda'

if (startedByLambda(process.env)) {
  void import('@clef-sh/shell/lambda').then(({ runLambdaExtension }) => runLambdaExtension())
} else {
  void import('@clef-sh/shell').then(({ fatal, logFormatOf, runCli }) =>
    runCli(process.argv.slice(2), process.env, { version: pkg.version }).catch((e: unknown) =>
      fatal(logFormatOf(process.env), e),
    ),
  )
}
