/** The cpu backend's two kernel sets for the tests: native (or why it is missing) and the portable TypeScript ones. */
import assert from 'node:assert/strict';
import { isCI } from '../../scripts/lib/ci.mjs';
import { cpuKernels, typescriptKernels, type CpuKernels } from '../../runner/src/cpu/kernels';

export interface CpuVariant { name: string; kernels?: CpuKernels; missing?: string }

/** The cpu backend's kernels: native (or why not) and the portable ones. */
export function cpuVariants(): CpuVariant[] {
  const { kernels, native, reason } = cpuKernels();
  return [
    native ? { name: 'cpu', kernels } : { name: 'cpu', missing: reason },
    { name: 'cpu, TypeScript kernels', kernels: typescriptKernels },
  ];
}

/** True when the variant can run; skips (or fails under CI=true) when the native kernels are missing. */
export function haveKernels(variant: CpuVariant, t: { skip(message: string): void }): variant is CpuVariant & { kernels: CpuKernels } {
  if (variant.kernels) return true;
  if (isCI()) assert.fail(`CI needs the cpu backend's native kernels: ${variant.missing}`);
  t.skip(variant.missing!);
  return false;
}

