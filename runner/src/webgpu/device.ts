/**
 * Opens a WebGPU device through Dawn's Node bindings (npm `webgpu`) on Vulkan, asking for the
 * adapter's real limits (the defaults cap a storage buffer at 128 MiB and workgroup memory at 16 KiB).
 * Without an adapter it says why, and the caller falls back to the reference backend.
 */
import type { BackendInfo } from '../backend';

export interface OpenedDevice {
  device: GPUDevice | undefined;
  info: BackendInfo;
  reason: string;
  /**
   * Why the adapter is a software rasteriser running on the CPU (lavapipe/llvmpipe, SwiftShader,
   * Dawn's fallback adapter, architecture "software" or "cpu"); undefined for a real GPU.
   */
  software?: string;
}

/** Why an adapter runs on the CPU, from what it says of itself; undefined when it looks like a GPU. */
export function softwareAdapter(info: { vendor?: string; architecture?: string; device?: string; description?: string; isFallbackAdapter?: boolean }): string | undefined {
  const text = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ');
  const name = /llvmpipe|lavapipe|swiftshader|softpipe|swrast|microsoft basic render/i.exec(text)?.[0];
  if (name) return `${name} is a software adapter, running on the CPU`;
  if (info.isFallbackAdapter) return 'the adapter is a fallback (software) adapter';
  if (/^(software|cpu)$/i.test(info.architecture ?? '')) return `the adapter's architecture is "${info.architecture}"`;
  return undefined;
}

const LIMIT_NAMES = [
  'maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupStorageSize', 'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX', 'maxComputeWorkgroupsPerDimension', 'maxStorageBuffersPerShaderStage',
] as const;

let gpuInstance: GPU | undefined;

async function gpu(): Promise<GPU> {
  if (!gpuInstance) {
    // Mesa prints a warning on every start unless its device-select layer is told to keep quiet.
    process.env.NODEVICE_SELECT ??= '1';
    const webgpu = await import('webgpu');
    Object.assign(globalThis, webgpu.globals);
    gpuInstance = webgpu.create(['backend=vulkan']);
  }
  return gpuInstance;
}

function describe(adapter: GPUAdapter): string {
  const i = adapter.info;
  const parts = [i.vendor, i.architecture, i.device, i.description].filter((s) => s && s.length);
  return parts.length ? parts.join(' ') : 'unnamed adapter';
}

export async function openWebGpu(): Promise<OpenedDevice> {
  let adapter: GPUAdapter | null;
  try {
    adapter = await (await gpu()).requestAdapter({ powerPreference: 'high-performance' });
  } catch (error) {
    return none(`the webgpu module could not start: ${(error as Error).message}`);
  }
  if (!adapter) return none('Dawn found no Vulkan adapter (install a GPU driver, or Mesa lavapipe for a software one)');
  const requiredLimits: Record<string, number> = {};
  for (const name of LIMIT_NAMES) requiredLimits[name] = adapter.limits[name];
  const device = await adapter.requestDevice({ requiredLimits });
  const limits: Record<string, number> = {};
  for (const name of LIMIT_NAMES) limits[name] = device.limits[name];
  const software = softwareAdapter({ ...adapter.info, isFallbackAdapter: adapter.info.isFallbackAdapter ?? (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter });
  return { device, info: { backend: 'webgpu', adapter: describe(adapter), limits }, reason: '', software };
}

function none(reason: string): OpenedDevice {
  return { device: undefined, info: { backend: 'reference', adapter: 'none', fallback: reason }, reason };
}
