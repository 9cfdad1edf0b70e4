/**
 * A file's text as committed at git HEAD, through the git command line (no git library). Free of
 * the vscode module so it is tested in plain Node.
 */
import { execFile } from 'node:child_process';
import { basename, dirname, relative } from 'node:path';

function git(args: string[], cwd: string): Promise<{ ok: true; stdout: string } | { ok: false; message: string }> {
  return new Promise((resolve) => {
    execFile('git', args, { cwd, encoding: 'utf8', maxBuffer: 64 << 20, timeout: 30_000 }, (error, stdout, stderr) => {
      if (!error) resolve({ ok: true, stdout });
      else if ((error as NodeJS.ErrnoException).code === 'ENOENT') resolve({ ok: false, message: 'git is not installed (or not on PATH)' });
      else resolve({ ok: false, message: (stderr || error.message).trim().split('\n')[0] });
    });
  });
}

/** The text at HEAD, or a sentence saying why there is none. */
export async function textAtHead(file: string): Promise<{ text: string; label: string } | { error: string }> {
  const dir = dirname(file);
  const top = await git(['rev-parse', '--show-toplevel'], dir);
  if (!top.ok) return { error: `${basename(file)} is not in a git repository, so there is no HEAD to compare with (${top.message})` };
  const path = relative(top.stdout.trim(), file).split('\\').join('/');
  const shown = await git(['show', `HEAD:${path}`], top.stdout.trim());
  if (!shown.ok) return { error: `${path} is not in git's HEAD commit (new, or no commit yet): ${shown.message}` };
  return { text: shown.stdout, label: `HEAD:${path}` };
}
