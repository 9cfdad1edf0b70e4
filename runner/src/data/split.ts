/** A split of a dataset in memory: inputs (count x H x W x C) and labels. */
export interface Split {
  x: Float32Array;
  labels: Int32Array;
  count: number;
}
