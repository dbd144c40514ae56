// Entry of the Lambda layer's executable: the Lambda extension shell of @clef-sh/shell (register
// at once, then the lifecycle). Exits 0 after SHUTDOWN, 1 after a reported failure.
import { runLambdaExtension } from '@clef-sh/shell/lambda'

void runLambdaExtension()
