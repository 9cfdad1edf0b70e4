/** Polling with a deadline: every polling loop in the tests goes through this, so none can wait for ever. */

/** Resolves when `check` returns true (checked every `everyMs`), or rejects saying what did not happen within `timeoutMs`. */
export async function pollUntil(what: string, check: () => boolean, timeoutMs = 30_000, everyMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
