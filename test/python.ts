/** Finding the independent reference the tests compare against: a python3 that imports what they need. */
import { spawnSync } from 'node:child_process';

/**
 * The first of $CNN_PYTHON, python3 and /usr/bin/python3 that imports `modules`, or why there is
 * none (`install` says what to install, e.g. Debian's python3-torch).
 */
export function findPython(modules: string[], install: string): { python: string } | { missing: string } {
  const candidates = [...new Set([process.env.CNN_PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => !!p))];
  const tried: string[] = [];
  for (const python of candidates) {
    const probe = spawnSync(python, ['-c', `import ${modules.join(', ')}`], { encoding: 'utf8', timeout: 120_000 });
    if (probe.error) {
      tried.push(`${python}: not found`);
      continue;
    }
    if (probe.status === 0) return { python };
    const reason = /No module named '?([\w.]+)'?/.exec(probe.stderr)?.[1];
    tried.push(`${python}: ${reason ? `no module ${reason}` : probe.stderr.trim().split('\n').at(-1)}`);
  }
  return { missing: `python3 with ${modules.join(' and ')} (${install}; or CNN_PYTHON=/path/to/python) — ${tried.join('; ')}` };
}
