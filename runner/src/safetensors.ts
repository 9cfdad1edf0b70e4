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

export function decodeSafetensors(file: Buffer): { tensors: NamedTensor[]; metadata: Record<string, string> } {
  if (file.length < 8) throw new Error('not a safetensors file: shorter than its 8-byte header length');
  const headerLength = Number(file.readBigUInt64LE(0));
  if (8 + headerLength > file.length) throw new Error('not a safetensors file: header longer than the file');
  const header = JSON.parse(file.subarray(8, 8 + headerLength).toString('utf8')) as Record<string, any>;
  const base = 8 + headerLength;
  const tensors: NamedTensor[] = [];
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    if (info.dtype !== 'F32') throw new Error(`tensor ${name}: dtype ${info.dtype} is not supported (F32 only)`);
    const [begin, end] = info.data_offsets as [number, number];
    const bytes = file.subarray(base + begin, base + end);
    const data = new Float32Array(bytes.length / 4);
    Buffer.from(data.buffer).set(bytes);
    tensors.push({ name, shape: info.shape, data });
  }
  return { tensors, metadata: header.__metadata__ ?? {} };
}
