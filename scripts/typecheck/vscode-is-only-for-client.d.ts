// Only the extension (client/) may import 'vscode'. The language library, the runner and the
// webviews map 'vscode' to this file in their tsconfig.json, so an import of it there fails with
// "File '.../vscode-is-only-for-client.d.ts' is not a module". It declares nothing on purpose.
