/**
 * Replaces every occurrence of each non-empty secret in `text` with `[redacted]`. Backends run
 * messages from servers and SDKs through it before they reach an error, a log or a config.
 */
export function redactSecrets(text: string, secrets: ReadonlyArray<string | undefined>): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) out = out.split(secret).join('[redacted]');
  }
  return out;
}
