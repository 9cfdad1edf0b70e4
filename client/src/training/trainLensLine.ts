/**
 * Where the "Train model" code lens sits: the first `network` statement, else the first `input`
 * (a file without a name). A one-word lexical check, not parsing: the line only anchors the lens.
 */
export function trainLensLine(lines: readonly string[]): number | undefined {
  const find = (keyword: string) => lines.findIndex((l) => new RegExp(`^\\s*${keyword}\\b`).test(l));
  const network = find('network');
  if (network >= 0) return network;
  const input = find('input');
  return input >= 0 ? input : undefined;
}
