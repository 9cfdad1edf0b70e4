/**
 * Small helpers shared by the WebGPU kernels: WGSL is generated per layer with its shapes baked in
 * as constants (a job fixes the batch size, so every size is known when the pipelines are built),
 * and every dispatch is one-dimensional over work items, folded into x and y to stay within
 * maxComputeWorkgroupsPerDimension.
 */

export const WORKGROUP = 64;
const MAX_GROUPS = 65535;

export interface Dispatch {
  x: number;
  y: number;
  /** Declares `fn item(gid) -> u32` giving the work item's index. */
  prelude: string;
  count: number;
}

export function dispatchFor(count: number): Dispatch {
  const groups = Math.max(1, Math.ceil(count / WORKGROUP));
  const x = Math.min(groups, MAX_GROUPS);
  const y = Math.ceil(groups / x);
  const prelude = `fn item(gid: vec3<u32>) -> u32 { return gid.y * ${x * WORKGROUP}u + gid.x; }\nconst ITEMS: u32 = ${count}u;`;
  return { x, y, prelude, count };
}

export const f32c = (v: number): string => {
  const s = Number.isInteger(v) ? `${v}.0` : `${v}`;
  return s.includes('e') ? `f32(${v})` : s;
};

export interface Kernel {
  pipeline: GPUComputePipeline;
  bindGroup: GPUBindGroup;
  dispatch: Dispatch;
}

export type Binding = { buffer: GPUBuffer; access: 'read' | 'read_write' | 'uniform' };

/**
 * Builds a compute kernel over `count` work items. `body` is the text of `main` after `let i = item(gid);`
 * and the bounds check; `bindings` are declared as b0, b1, ... in order.
 */
export function makeKernel(device: GPUDevice, label: string, bindings: Binding[], count: number, body: string, helpers = ''): Kernel {
  const started = PROFILE ? performance.now() : 0;
  const dispatch = dispatchFor(count);
  const decls = bindings.map((b, i) => b.access === 'uniform'
    ? `@group(0) @binding(${i}) var<uniform> b${i}: StepInfo;`
    : `@group(0) @binding(${i}) var<storage, ${b.access}> b${i}: array<${b.access === 'read' ? 'f32' : 'f32'}>;`).join('\n');
  const code = `
struct StepInfo { draw: u32, slot: u32, lr: f32, adamStep: f32 };
${decls}
${dispatch.prelude}
${helpers}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = item(gid);
  if (i >= ITEMS) { return; }
${body}
}`;
  const module = device.createShaderModule({ label, code });
  // An explicit layout: 'auto' would drop bindings a kernel variant does not read.
  const layout = device.createBindGroupLayout({
    label,
    entries: bindings.map((b, i) => ({
      binding: i, visibility: GPUShaderStage.COMPUTE,
      buffer: { type: b.access === 'uniform' ? 'uniform' : b.access === 'read' ? 'read-only-storage' : 'storage' } as GPUBufferBindingLayout,
    })),
  });
  const pipeline = device.createComputePipeline({ label, layout: device.createPipelineLayout({ bindGroupLayouts: [layout] }), compute: { module, entryPoint: 'main' } });
  const bindGroup = device.createBindGroup({
    label,
    layout,
    entries: bindings.map((b, i) => ({ binding: i, resource: { buffer: b.buffer } })),
  });
  if (PROFILE) console.error(`kernel ${label}: ${(performance.now() - started).toFixed(0)} ms to build, ${count} items`);
  pipelineWatchers.get(device)?.(label);
  return { pipeline, bindGroup, dispatch };
}

/**
 * Who hears each pipeline a device builds. A model builds dozens of pipelines synchronously, and on
 * a software adapter each takes up to a second: the runner's watchdog hears them one by one.
 */
const pipelineWatchers = new WeakMap<GPUDevice, (label: string) => void>();

/** Calls `onPipeline` after each pipeline built on `device` until the returned function is called. */
export function watchPipelines(device: GPUDevice, onPipeline: (label: string) => void): () => void {
  pipelineWatchers.set(device, onPipeline);
  return () => pipelineWatchers.delete(device);
}

/** CNN_RUNNER_PROFILE=1 prints each kernel's build time to stderr. */
const PROFILE = process.env.CNN_RUNNER_PROFILE === '1';

export function encode(pass: GPUComputePassEncoder, kernel: Kernel): void {
  pass.setPipeline(kernel.pipeline);
  pass.setBindGroup(0, kernel.bindGroup);
  pass.dispatchWorkgroups(kernel.dispatch.x, kernel.dispatch.y);
}

export function storage(device: GPUDevice, label: string, floats: number, data?: Float32Array): GPUBuffer {
  // Zero-sized bindings are not allowed: a layer without bias still gets a 1-float placeholder.
  const size = Math.max(4, Math.ceil((floats * 4) / 4) * 4);
  const buffer = device.createBuffer({
    label, size, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST, mappedAtCreation: !!data,
  });
  if (data) {
    new Float32Array(buffer.getMappedRange()).set(data);
    buffer.unmap();
  }
  return buffer;
}

export async function readBuffer(device: GPUDevice, buffer: GPUBuffer, floats: number, offsetFloats = 0): Promise<Float32Array> {
  const staging = device.createBuffer({ size: Math.max(4, floats * 4), usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const encoder = device.createCommandEncoder();
  encoder.copyBufferToBuffer(buffer, offsetFloats * 4, staging, 0, floats * 4);
  device.queue.submit([encoder.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const out = new Float32Array(staging.getMappedRange().slice(0));
  staging.unmap();
  staging.destroy();
  return out;
}
