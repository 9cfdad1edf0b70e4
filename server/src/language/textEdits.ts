/** Applying LSP text edits to a string: how fixes are re-checked before they are offered. */
import type { TextEdit } from 'vscode-languageserver-types';
import type { Position } from './syntax';

function offsetAt(text: string, lineStarts: number[], position: Position): number {
  const start = lineStarts[Math.min(position.line, lineStarts.length - 1)];
  return Math.min(start + position.character, position.line + 1 < lineStarts.length ? lineStarts[position.line + 1] : text.length);
}

function lineStartsOf(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 13 && text.charCodeAt(i + 1) === 10) continue;
    if (c === 10 || c === 13) starts.push(i + 1);
  }
  return starts;
}

export function applyEdits(text: string, edits: TextEdit[]): string {
  const starts = lineStartsOf(text);
  const spans = edits
    .map((e) => ({ from: offsetAt(text, starts, e.range.start), to: offsetAt(text, starts, e.range.end), text: e.newText }))
    .sort((a, b) => b.from - a.from);
  let result = text;
  for (const s of spans) result = result.slice(0, s.from) + s.text + result.slice(s.to);
  return result;
}
