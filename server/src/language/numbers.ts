/** How numbers are written for people: the same in hover, hints, tables and messages. */
import type { Shape } from './network';

/** 7672104 → "7,672,104". */
const grouped = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** 7672104 → "7,672,104". One formatter for all calls: toLocaleString builds a new one each time. */
export function groupDigits(n: number): string {
  return grouped.format(n);
}

/** A size that may not be whole, to two decimals at most: 3.3333 → "3.33", 55 → "55". */
export function formatReal(x: number): string {
  return Number.isInteger(x) ? String(x) : String(Number(x.toFixed(2)));
}

/** A value in scientific style where it is small: 0.0091 → "0.0091", 0.000123 → "1.23e-4". */
export function formatStd(x: number): string {
  if (x === 0) return '0';
  if (Math.abs(x) >= 0.001) return String(Number(x.toPrecision(3)));
  const [mantissa, exponent] = x.toExponential(2).split('e');
  return `${Number(mantissa)}e${Number(exponent)}`;
}

/** [55, 55, 48] → "55×55×48"; [1600] → "1600". */
export function formatShape(shape: Shape): string {
  return shape.join('×');
}

/** Compact counts for inlay hints: 17472 → "17.5K", 37752832 → "37.8M". */
export function compactCount(n: number): string {
  if (n < 1000) return String(n);
  const units: [number, string][] = [[1e9, 'G'], [1e6, 'M'], [1e3, 'K']];
  for (const [size, suffix] of units) {
    if (n >= size) return `${Number((n / size).toPrecision(3))}${suffix}`;
  }
  return String(n);
}
