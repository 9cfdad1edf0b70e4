/**
 * The ONNX protobuf schema, loaded by protobufjs from the official onnx.proto (IR version 8,
 * ONNX 1.12) turned into a JSON descriptor by scripts/onnx-schema.mjs. Export and import both
 * encode and decode through these message types, never by hand.
 */
import protobuf from 'protobufjs';
import descriptor from './onnx.proto.json';

const root = protobuf.Root.fromJSON(descriptor as protobuf.INamespace);

export const ModelProto = root.lookupType('onnx.ModelProto');
export const TensorProto = root.lookupType('onnx.TensorProto');
/** onnx.TensorProto.DataType values used here. */
export const ONNX_FLOAT = 1;
export const ONNX_INT64 = 7;
/** The IR version of the schema above; the opset written and accepted beside it. */
export const ONNX_IR_VERSION = 8;
export const ONNX_OPSET = 17;

/** Serialises a ModelProto given as a plain object (the schema's field names in camelCase). */
export function encodeModel(model: Record<string, unknown>): Uint8Array {
  const problem = ModelProto.verify(model);
  if (problem) throw new Error(`internal: invalid ONNX model: ${problem}`);
  return ModelProto.encode(ModelProto.fromObject(model)).finish();
}

/** Parses ONNX bytes into a plain object (longs as numbers, bytes as Uint8Array). */
export function decodeModel(bytes: Uint8Array): Record<string, unknown> {
  const message = ModelProto.decode(bytes);
  return ModelProto.toObject(message, { longs: Number, enums: Number, bytes: Uint8Array, defaults: false, arrays: true }) as Record<string, unknown>;
}
