/** The safetensors reader checks a file before trusting it: malformed headers, offsets, shapes, dtypes and overlaps are refused with the reason. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeSafetensors, encodeSafetensors, SafetensorsError } from '../../runner/src/safetensors';

/** A file from a header object and a data length, written by hand (so it can be wrong). */
function file(header: unknown, dataBytes: number, headerLength?: number): Buffer {
  const json = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header), 'utf8');
  const out = Buffer.alloc(8 + json.length + dataBytes);
  out.writeBigUInt64LE(BigInt(headerLength ?? json.length), 0);
  json.copy(out, 8);
  return out;
}

const refuses = (buffer: Buffer, pattern: RegExp) =>
  assert.throws(() => decodeSafetensors(buffer), (e: Error) => e instanceof SafetensorsError && pattern.test(e.message), `expected ${pattern}`);

describe('safetensors', () => {
  it('round-trips what it writes, metadata included', () => {
    const tensors = [
      { name: 'a.weight', shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) },
      { name: 'a.bias', shape: [2], data: Float32Array.from([-1, 0.5]) },
      { name: 'empty', shape: [0, 4], data: new Float32Array(0) },
    ];
    const decoded = decodeSafetensors(encodeSafetensors(tensors, { epoch: '3' }));
    assert.deepEqual(decoded.metadata, { epoch: '3' });
    assert.deepEqual(decoded.tensors.map((t) => [t.name, t.shape, Array.from(t.data)]), tensors.map((t) => [t.name, t.shape, Array.from(t.data)]));
  });

  it('refuses a short file, a header longer than the file, and a header that is not a JSON object', () => {
    refuses(Buffer.alloc(5), /shorter than its 8-byte header length/);
    refuses(file({}, 0, 1000), /the header length 1000 is longer than the 2 bytes after it/);
    const huge = Buffer.alloc(16);
    huge.writeBigUInt64LE(2n ** 63n, 0);
    refuses(huge, /header length 9223372036854775808 is over the 100000000-byte limit/);
    refuses(file('{"a": ', 0), /the header is not JSON/);
    refuses(file('[1, 2]', 0), /the header is not a JSON object/);
    refuses(file({ __metadata__: { epoch: 3 } }, 0), /__metadata__ must map names to strings/);
  });

  it('refuses offsets outside the data, reversed, or not matching the shape', () => {
    refuses(file({ t: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, 8), /tensor t: data_offsets \[0, 16\] are not inside the 8 bytes of data/);
    refuses(file({ t: { dtype: 'F32', shape: [1], data_offsets: [4, 0] } }, 8), /data_offsets \[4, 0\] are not inside/);
    refuses(file({ t: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, 8), /shape \[3\] of F32 needs 12 bytes, its data_offsets hold 8/);
    refuses(file({ t: { dtype: 'F32', shape: [2], data_offsets: [0, 8.5] } }, 9), /data_offsets must be \[begin, end\] of whole numbers/);
    refuses(file({ t: { dtype: 'F32', shape: [-2], data_offsets: [0, 8] } }, 8), /shape must be a list of whole numbers ≥ 0, got \[-2\]/);
    refuses(file({ t: { dtype: 'F32', shape: null, data_offsets: [0, 8] } }, 8), /shape must be a list/);
    refuses(file({ t: 7 }, 0), /tensor t has no dtype, shape and data_offsets/);
  });

  it('refuses unknown dtypes, names a known one it cannot read, and refuses overlaps and gaps', () => {
    refuses(file({ t: { dtype: 'F33', shape: [1], data_offsets: [0, 4] } }, 4), /tensor t: unknown dtype "F33"/);
    assert.throws(() => decodeSafetensors(file({ t: { dtype: 'F16', shape: [2], data_offsets: [0, 4] } }, 4)), /tensor t: dtype F16 is not supported \(F32 only\)/);
    refuses(file({
      a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
      b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
    }, 12), /tensor b's data \[4, 12\) overlaps the tensor before it, which ends at 8/);
    refuses(file({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, 8), /bytes 0 to 4 of the data belong to no tensor/);
    refuses(file({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, 8), /bytes 4 to 8 of the data belong to no tensor/);
  });
});
