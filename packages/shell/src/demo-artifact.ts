// The demo artifact and its TEST-ONLY key, embedded, so `clef-agent demo` runs from any copy (the
// bundle alone, the single executable, the npm package, the image) with nothing beside it. The
// same pair is examples/demo/ (artifact.json, demo.agekey); demo-artifact.test.ts keeps them equal.
// The key protects nothing real: anyone can read it here.

/** The packed demo artifact (age, X25519): namespace `app` with three secrets. */
export const DEMO_ARTIFACT: Readonly<Record<string, string | number>> = {
  version: 1,
  identity: 'api-gateway',
  environment: 'production',
  packedAt: '2026-11-25T16:15:56.246Z',
  revision: '1795623356246-4ec43045',
  ciphertextHash: 'f533f1c5b069c0c3c1354b55a2b88780fc8496f693b69e20b192379857a67c18',
  ciphertext:
    'YWdlLWVuY3J5cHRpb24ub3JnL3YxCi0+IFgyNTUxOSA1Vk9USVFRckoxMUQ3TzBxMzE2ZXNVMUw4Z2s5bUhxN25a' +
    'QUU1L2RSaDFZCnJ5cktTRGllckhscmZybFQxOWxldWtqYjF5Uys5TjNJR01HNXhzN1Y1aWMKLS0tIEFLLzd2RG0x' +
    'SFlkTE1EZVFWOUZpQVNZNnd1V3hxRkIydFQ0NHlmZnExQm8KjYk6YZkoqOdRF01o2FTFklH3VoI7fBKz6xHBdiZo' +
    'obt0XbWcO71jbPEwXmTL49jbNcXKVBF06G4RTvvXreFDtErJl7Q/gJDq4jZAheSEgl1+/nT+PZfVxlZ+vpCGD2EL' +
    'tpHPjdl8pJm4um75h4UUNaMeC6hCMFBHi8zuxuchr7OG96FDPkh6KHA5QqGlO/Mtdh4afdXDbbC6diAq4iTAxHrd' +
    'tSaF',
}

/** The TEST-ONLY age identity of {@link DEMO_ARTIFACT} (public key age1ehw8df269x6x7t6fsuqfquyskzvhhnha8nmn9s98vyedjztcjvvqz2gey3). */
export const DEMO_AGE_KEY = 'AGE-SECRET-KEY-10CMM8S0PU2XNW2XUPRZFQ8092MY2N3VHQYR79ZU50796SL8VSUWSW37TEF'
