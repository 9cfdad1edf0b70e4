/**
 * Why a file cannot be trained: its errors (warnings do not stop training), listed for the message
 * the user sees, with the first one to jump to. Pure, so the wording is tested without VS Code.
 */
import type { Network, NetworkDiagnostic } from '../../../server/src/language/network';

/** More than this and the message says how many are left out. */
const LISTED = 5;

export interface TrainingRefusal {
  message: string;
  first: NetworkDiagnostic;
  errors: NetworkDiagnostic[];
}

export function trainingRefusal(network: Network, fileName: string): TrainingRefusal | undefined {
  const errors = network.diagnostics.filter((d) => d.severity === 'error').sort((a, b) => a.line - b.line || a.column - b.column);
  if (errors.length === 0) return undefined;
  const listed = errors.slice(0, LISTED).map((d) => `line ${d.line}: ${d.message}`);
  const more = errors.length > LISTED ? `; and ${errors.length - LISTED} more` : '';
  const count = errors.length === 1 ? 'an error' : `${errors.length} errors`;
  return {
    message: `${fileName} has ${count}, so it cannot be trained: ${listed.join('; ')}${more}.`,
    first: errors[0],
    errors,
  };
}
