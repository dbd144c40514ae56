// The `Lambda-Extension-Function-Error-Type` of a failure: `Extension.` + the stable code in
// PascalCase, so the Lambda console shows e.g. `Extension.SignatureInvalid`.

/** `signature_invalid` → `Extension.SignatureInvalid`. */
export const extensionErrorType = (code: string): string =>
  `Extension.${code
    .split('_')
    .filter((part) => part !== '')
    .map((part) => (part[0] ?? '').toUpperCase() + part.slice(1))
    .join('')}`
