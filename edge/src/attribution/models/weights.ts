// Small weight shapes the rule-based models are built from.

export function oneHot(n: number, index: number): number[] {
  const weights = new Array<number>(n).fill(0);
  weights[index] = 1;
  return weights;
}

export function equalWeights(n: number): number[] {
  return new Array<number>(n).fill(1 / n);
}

export function normalise(raw: readonly number[]): number[] {
  let total = 0;
  for (const w of raw) total += w;
  return raw.map((w) => w / total);
}
