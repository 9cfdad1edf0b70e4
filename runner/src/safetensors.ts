/**
 * The safetensors format (huggingface/safetensors): an 8-byte little-endian header length, a JSON
 * header mapping each tensor to its dtype, shape and [begin, end) byte offsets in the data that
 * follows, then the raw little-endian data. Only F32 is written here.
 */
import type { NamedTensor } from './init';

export function encodeSafetensors(tensors: NamedTensor[], metadata: Record<string, string> = {}): Buffer {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const t of tensors) {
    const bytes = t.data.length * 4;
    header[t.name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  // Pad the header with spaces so the data starts 8-byte aligned, as the reference writer does.
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const out = Buffer.alloc(8 + headerBytes.length + offset);
  out.writeBigUInt64LE(BigInt(headerBytes.length), 0);
  headerBytes.copy(out, 8);
  let at = 8 + headerBytes.length;
  for (const t of tensors) {
    const view = Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    // Float32Array is host-endian; every platform Node runs on here is little-endian.
    view.copy(out, at);
    at += view.length;
  }
  return out;
}

/** Bytes per element of the dtypes the format defines; only F32 is read here, the others are named when refused. */
const DTYPE_BYTES: Record<string, number> = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1, I16: 2, U16: 2, F16: 2, BF16: 2, I32: 4, U32: 4, F32: 4, F64: 8, I64: 8, U64: 8,
};
/** The reference implementation's limit on the JSON header. */
export const MAX_HEADER_BYTES = 100_000_000;

export class SafetensorsError extends Error {}

function bad(message: string): never {
  throw new SafetensorsError(`not a valid safetensors file: ${message}`);
}

/**
 * Reads a safetensors file, checking everything before trusting it: the header length, the JSON,
 * each tensor's dtype, shape and offsets (inside the data, matching the shape's size, no overlaps,
 * no gaps), and the metadata's string values.
 */
export function decodeSafetensors(file: Buffer): { tensors: NamedTensor[]; metadata: Record<string, string> } {
  if (file.length < 8) bad('shorter than its 8-byte header length');
  const declared = file.readBigUInt64LE(0);
  if (declared > BigInt(Math.min(MAX_HEADER_BYTES, file.length - 8))) {
    bad(`the header length ${declared} is ${declared > BigInt(MAX_HEADER_BYTES) ? `over the ${MAX_HEADER_BYTES}-byte limit` : `longer than the ${file.length - 8} bytes after it`}`);
  }
  const headerLength = Number(declared);
  let header: unknown;
  try {
    header = JSON.parse(file.subarray(8, 8 + headerLength).toString('utf8'));
  } catch (error) {
    bad(`the header is not JSON (${(error as Error).message})`);
  }
  if (!header || typeof header !== 'object' || Array.isArray(header)) bad('the header is not a JSON object');
  const base = 8 + headerLength;
  const dataLength = file.length - base;
  const metadata = (header as Record<string, unknown>).__metadata__ ?? {};
  if (!metadata || typeof metadata !== 'object' || Array.isArray(metadata) || !Object.values(metadata).every((v) => typeof v === 'string')) {
    bad('__metadata__ must map names to strings');
  }
  const spans: { name: string; begin: number; end: number }[] = [];
  const tensors: NamedTensor[] = [];
  for (const [name, info] of Object.entries(header as Record<string, any>)) {
    if (name === '__metadata__') continue;
    if (!info || typeof info !== 'object') bad(`tensor ${name} has no dtype, shape and data_offsets`);
    const { dtype, shape, data_offsets: offsets } = info;
    if (typeof dtype !== 'string' || !(dtype in DTYPE_BYTES)) bad(`tensor ${name}: unknown dtype ${JSON.stringify(dtype)}`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) bad(`tensor ${name}: shape must be a list of whole numbers ≥ 0, got ${JSON.stringify(shape)}`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
      bad(`tensor ${name}: data_offsets must be [begin, end] of whole numbers ≥ 0, got ${JSON.stringify(offsets)}`);
    }
    const [begin, end] = offsets as [number, number];
    if (begin > end || end > dataLength) bad(`tensor ${name}: data_offsets [${begin}, ${end}] are not inside the ${dataLength} bytes of data`);
    const elements = shape.reduce((a: number, b: number) => a * b, 1);
    if (end - begin !== elements * DTYPE_BYTES[dtype]) {
      bad(`tensor ${name}: shape [${shape.join(', ')}] of ${dtype} needs ${elements * DTYPE_BYTES[dtype]} bytes, its data_offsets hold ${end - begin}`);
    }
    if (dtype !== 'F32') throw new SafetensorsError(`tensor ${name}: dtype ${dtype} is not supported (F32 only)`);
    spans.push({ name, begin, end });
    const data = new Float32Array(elements);
    Buffer.from(data.buffer).set(file.subarray(base + begin, base + end));
    tensors.push({ name, shape: [...shape], data });
  }
  // The tensors must tile the data exactly: an overlap would make two tensors share bytes, a gap hide some.
  spans.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  for (const span of spans) {
    if (span.begin < at) bad(`tensor ${span.name}'s data [${span.begin}, ${span.end}) overlaps the tensor before it, which ends at ${at}`);
    if (span.begin > at) bad(`bytes ${at} to ${span.begin} of the data belong to no tensor`);
    at = span.end;
  }
  if (at !== dataLength) bad(`bytes ${at} to ${dataLength} of the data belong to no tensor`);
  return { tensors, metadata: metadata as Record<string, string> };
}
