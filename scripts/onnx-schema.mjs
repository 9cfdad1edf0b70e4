// Regenerates runner/src/onnx/onnx.proto.json from the official onnx.proto beside it (ONNX 1.12,
// as Debian's python3-onnx ships it). The JSON descriptor is what protobufjs loads at run time, so
// the bundles need no .proto file on disk. `node scripts/onnx-schema.mjs --check` fails when stale.
import protobuf from 'protobufjs';
import { readFileSync, writeFileSync } from 'node:fs';

const protoPath = 'runner/src/onnx/onnx.proto';
const jsonPath = 'runner/src/onnx/onnx.proto.json';
const root = protobuf.loadSync(protoPath);
const json = JSON.stringify(root.toJSON(), null, 1) + '\n';
if (process.argv.includes('--check')) {
  if (readFileSync(jsonPath, 'utf8') !== json) {
    console.error(`${jsonPath} is stale: run node scripts/onnx-schema.mjs`);
    process.exit(1);
  }
} else {
  writeFileSync(jsonPath, json);
}
