// Whether this is a CI run, the one rule every script and test uses: CI is set to anything but an
// empty string, `false` or `0` (GitHub Actions and most services set CI=true; others CI=1 or a name).
// Under CI a missing prerequisite (WebGPU adapter, chromium, a command the tests expect) fails
// instead of skipping.

/** @param {NodeJS.ProcessEnv} [env] */
export function isCI(env = process.env) {
  const value = (env.CI ?? '').trim().toLowerCase();
  return value !== '' && value !== 'false' && value !== '0';
}
