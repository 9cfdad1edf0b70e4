/** A WebGPU device for a test suite: opened before its tests, destroyed after them. */
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { openWebGpu } from '../../runner/src/webgpu/device';
import { isCI } from '../../scripts/lib/ci.mjs';

export interface WebGpuSuite {
  /** The device, once `before` has run; undefined without an adapter. */
  device(): GPUDevice | undefined;
  /** Skips (locally) or fails (CI) when there is no adapter; true when the test may go on. */
  needDevice(t: { skip(message: string): void }): boolean;
}

/** Call inside a describe(): registers its before and after hooks. */
export function webGpuSuite(): WebGpuSuite {
  let device: GPUDevice | undefined;
  let reason = '';
  before(async () => {
    const opened = await openWebGpu();
    device = opened.device;
    reason = opened.reason;
  });
  after(() => device?.destroy());
  return {
    device: () => device,
    needDevice(t) {
      if (device) return true;
      if (isCI()) assert.fail(`CI needs a WebGPU adapter for these tests: ${reason}`);
      t.skip(`no WebGPU adapter (${reason}): install a Vulkan driver, e.g. Mesa lavapipe`);
      return false;
    },
  };
}
