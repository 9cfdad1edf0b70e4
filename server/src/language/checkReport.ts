/** One diagnostic as a compiler-style line, `FILE:LINE:COL: SEVERITY: MESSAGE [CODE]`, 1-based. */
import type { Diagnostic } from './analyze';

export function formatCheckLine(file: string, d: Diagnostic): string {
  return `${file}:${d.range.start.line + 1}:${d.range.start.character + 1}: ${d.severity}: ${d.message} [${d.code}]`;
}
