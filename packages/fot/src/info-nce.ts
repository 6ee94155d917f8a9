/**
 * The crossbatch InfoNCE loss of Focused Transformer training, at the retrieval level, with its
 * gradient with respect to P = I + U Vᵀ. A batch is rows (key or query vectors) from d contexts;
 * each anchor row is scored against its positives (rows of its own context that belong with it)
 * and against every row of the d − 1 OTHER contexts. Rows of the anchor's own context that are not
 * its positives are left out of its softmax, as in FoT, where a document's own memory never serves
 * as a negative: the loss teaches the key space to separate contexts, not to rank inside one.
 */
export interface ContrastiveBatch {
  /** N rows of d values each (row-major). */
  rows: Float64Array;
  /** Context index of each row. */
  contexts: Int32Array;
  anchors: readonly { row: number; positives: readonly number[] }[];
}

export interface LossOptions {
  /** Softmax temperature over cosines; they differ by hundredths, so it is small. */
  temperature: number;
  /** λ in λ‖U Vᵀ‖²: pulls P back towards the identity so it cannot collapse the key space. */
  regularization: number;
}

export interface LossGradient {
  /** Mean InfoNCE loss over anchors, plus the penalty. */
  loss: number;
  gradU: Float64Array;
  gradV: Float64Array;
}

/** Z = X + (X V) Uᵀ, plus the intermediates the backward pass needs. */
function forward(rows: Float64Array, n: number, d: number, r: number, u: Float64Array, v: Float64Array) {
  const t = new Float64Array(n * r);
  const z = new Float64Array(n * d);
  const lengths = new Float64Array(n);
  for (let row = 0; row < n; row++) {
    const x = row * d;
    const tr = row * r;
    for (let i = 0; i < d; i++) {
      const xi = rows[x + i] as number;
      if (xi === 0) continue;
      const vi = i * r;
      for (let k = 0; k < r; k++) t[tr + k] = (t[tr + k] as number) + xi * (v[vi + k] as number);
    }
    let squared = 0;
    for (let i = 0; i < d; i++) {
      let sum = rows[x + i] as number;
      const ui = i * r;
      for (let k = 0; k < r; k++) sum += (u[ui + k] as number) * (t[tr + k] as number);
      z[x + i] = sum;
      squared += sum * sum;
    }
    const length = Math.sqrt(squared) || 1;
    lengths[row] = length;
    for (let i = 0; i < d; i++) z[x + i] = (z[x + i] as number) / length;
  }
  return { t, unit: z, lengths };
}

/** ‖U Vᵀ‖² = Σ (UᵀU ∘ VᵀV), with the two r × r Gram matrices. */
function gram(m: Float64Array, d: number, r: number): Float64Array {
  const g = new Float64Array(r * r);
  for (let i = 0; i < d; i++) {
    const row = i * r;
    for (let a = 0; a < r; a++) {
      const ma = m[row + a] as number;
      if (ma === 0) continue;
      for (let b = 0; b < r; b++) g[a * r + b] = (g[a * r + b] as number) + ma * (m[row + b] as number);
    }
  }
  return g;
}

export function contrastiveLoss(
  batch: ContrastiveBatch,
  shape: { dimensions: number; rank: number },
  u: Float64Array,
  v: Float64Array,
  options: LossOptions,
  withGradient = true,
): LossGradient {
  const d = shape.dimensions;
  const r = shape.rank;
  const n = batch.contexts.length;
  const { t, unit, lengths } = forward(batch.rows, n, d, r, u, v);
  const gradUnit = withGradient ? new Float64Array(n * d) : undefined;
  const inverseT = 1 / options.temperature;
  const scores = new Float64Array(n);
  const included = new Uint8Array(n);
  const positive = new Uint8Array(n);
  let loss = 0;
  let counted = 0;
  for (const anchor of batch.anchors) {
    const a = anchor.row;
    const context = batch.contexts[a] as number;
    included.fill(0);
    positive.fill(0);
    for (const p of anchor.positives) {
      if (p !== a) positive[p] = 1;
    }
    for (let j = 0; j < n; j++)
      if (j !== a && (positive[j] === 1 || batch.contexts[j] !== context)) included[j] = 1;
    const base = a * d;
    let max = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < n; j++) {
      if (included[j] !== 1) continue;
      const other = j * d;
      let s = 0;
      for (let i = 0; i < d; i++) s += (unit[base + i] as number) * (unit[other + i] as number);
      s *= inverseT;
      scores[j] = s;
      if (s > max) max = s;
    }
    let all = 0;
    let pos = 0;
    for (let j = 0; j < n; j++) {
      if (included[j] !== 1) continue;
      const e = Math.exp((scores[j] as number) - max);
      all += e;
      if (positive[j] === 1) pos += e;
    }
    if (pos === 0) continue;
    loss += Math.log(all) - Math.log(pos);
    counted++;
    if (!gradUnit) continue;
    // ∂loss/∂s_j = softmax over all − softmax over positives; s_j = u_a·u_j / τ.
    for (let j = 0; j < n; j++) {
      if (included[j] !== 1) continue;
      const e = Math.exp((scores[j] as number) - max);
      const g = (e / all - (positive[j] === 1 ? e / pos : 0)) * inverseT;
      if (g === 0) continue;
      const other = j * d;
      for (let i = 0; i < d; i++) {
        gradUnit[base + i] = (gradUnit[base + i] as number) + g * (unit[other + i] as number);
        gradUnit[other + i] = (gradUnit[other + i] as number) + g * (unit[base + i] as number);
      }
    }
  }
  const scale = counted === 0 ? 0 : 1 / counted;
  loss *= scale;
  const gu = gram(u, d, r);
  const gv = gram(v, d, r);
  let penalty = 0;
  for (let i = 0; i < r * r; i++) penalty += (gu[i] as number) * (gv[i] as number);
  loss += options.regularization * penalty;
  const gradU = new Float64Array(d * r);
  const gradV = new Float64Array(d * r);
  if (!gradUnit) return { loss, gradU, gradV };

  // Through the normalisation: ∂z = (∂û − û (û·∂û)) / ‖z‖; then z = x + U t, t = Vᵀ x.
  const gradT = new Float64Array(r);
  for (let row = 0; row < n; row++) {
    const x = row * d;
    let along = 0;
    for (let i = 0; i < d; i++) along += (unit[x + i] as number) * (gradUnit[x + i] as number);
    if (along === 0) {
      let any = false;
      for (let i = 0; i < d && !any; i++) any = gradUnit[x + i] !== 0;
      if (!any) continue;
    }
    const inverseLength = scale / (lengths[row] as number);
    const tr = row * r;
    gradT.fill(0);
    for (let i = 0; i < d; i++) {
      const gz = ((gradUnit[x + i] as number) - (unit[x + i] as number) * along) * inverseLength;
      if (gz === 0) continue;
      const ui = i * r;
      for (let k = 0; k < r; k++) {
        gradU[ui + k] = (gradU[ui + k] as number) + gz * (t[tr + k] as number);
        gradT[k] = (gradT[k] as number) + gz * (u[ui + k] as number);
      }
    }
    for (let i = 0; i < d; i++) {
      const xi = batch.rows[x + i] as number;
      if (xi === 0) continue;
      const vi = i * r;
      for (let k = 0; k < r; k++) gradV[vi + k] = (gradV[vi + k] as number) + xi * (gradT[k] as number);
    }
  }
  // ∂(λ‖U Vᵀ‖²)/∂U = 2λ U (VᵀV), ∂/∂V = 2λ V (UᵀU).
  const lambda2 = 2 * options.regularization;
  if (lambda2 > 0) {
    for (let i = 0; i < d; i++) {
      const row = i * r;
      for (let a = 0; a < r; a++) {
        let su = 0;
        let sv = 0;
        for (let b = 0; b < r; b++) {
          su += (u[row + b] as number) * (gv[b * r + a] as number);
          sv += (v[row + b] as number) * (gu[b * r + a] as number);
        }
        gradU[row + a] = (gradU[row + a] as number) + lambda2 * su;
        gradV[row + a] = (gradV[row + a] as number) + lambda2 * sv;
      }
    }
  }
  return { loss, gradU, gradV };
}
