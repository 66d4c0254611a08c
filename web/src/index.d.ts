// Hand-written types of the logitlab package (web/src/index.js), one doc comment per function.

export type DType = 'float32' | 'float64' | 'int32';
export type TypedArray = Float32Array | Float64Array | Int32Array;
export type NestedArray = number | NestedArray[];
/** Anything a LogitLab function accepts as a tensor. */
export type TensorLike = Tensor | NestedArray | TypedArray;
export type Reduction = 'none' | 'mean' | 'sum';

/** A dense row-major tensor holding a plain typed array (no wasm memory, nothing to free). */
export declare class Tensor {
  constructor(data: TypedArray, shape: number[], dtype: DType);
  readonly shape: number[];
  readonly dtype: DType;
  readonly data: TypedArray;
  /** Number of elements. */
  readonly size: number;
  /** Nested arrays of numbers (a number for a 0-d tensor). */
  tolist(): NestedArray;
  /** The value of a one-element tensor; throws RangeError otherwise. */
  item(): number;
  /** torch 1.13's print style: `tensor([0.6590, 0.2424, 0.0986])`, float64 with `dtype=torch.float64`. */
  toString(): string;
}

/**
 * Builds a tensor. Default dtype: float64 for numbers, nested arrays and Float64Array; float32 for
 * Float32Array; int32 for Int32Array. `shape` gives a flat typed array (or any data) its shape.
 */
export declare function tensor(data: TensorLike, options?: { dtype?: DType; shape?: number[] }): Tensor;

/** Prints like torch's repr (default) or numpy's str (`{ style: 'numpy' }`: `[0.65900114 0.24243297 0.09856589]`). */
export declare function format(t: TensorLike, options?: { style?: 'torch' | 'numpy' }): string;

export interface CrossEntropyOptions {
  /** Class weights, shape (C). */
  weight?: TensorLike;
  /** Class index whose samples are skipped (default -100). */
  ignoreIndex?: number;
  reduction?: Reduction;
  /** In [0, 1] (default 0). */
  labelSmoothing?: number;
}
export interface NllOptions {
  weight?: TensorLike;
  ignoreIndex?: number;
  reduction?: Reduction;
}
export interface BceOptions {
  /** Broadcast to the input's shape. */
  weight?: TensorLike;
  reduction?: Reduction;
}
export interface BceWithLogitsOptions extends BceOptions {
  /** Weight of the positive term, broadcast to the input (usually shape (C)). */
  posWeight?: TensorLike;
}
export interface MseOptions {
  reduction?: Reduction;
}

/** One step of an explanation: the numbers the computation produced, with a LaTeX formula. */
export interface Step {
  id: string;
  title: string;
  formula: string;
  /** A number for a 0-d step, else a Tensor of the op's dtype. */
  value: Tensor | number;
}
export interface Explained<R> {
  result: R;
  steps: Step[];
}

/** A loss's value: a number for reduction 'mean' / 'sum', a Tensor of per-element losses for 'none'. */
export type LossValue = number | Tensor;

export interface Grad {
  /** d/dyPred of -sum(yTrue * log(yPred)). */
  crossEntropy(yTrue: TensorLike, yPred: TensorLike): Tensor;
  /** dLoss/dInput of nn.CrossEntropyLoss (for 'none': of the sum of the losses). */
  crossEntropyLoss(input: TensorLike, target: TensorLike, options?: CrossEntropyOptions): Tensor;
  /** dLoss/dInput of nn.NLLLoss. */
  nllLoss(input: TensorLike, target: TensorLike, options?: NllOptions): Tensor;
  /** dLoss/dInput of nn.BCELoss. */
  bceLoss(input: TensorLike, target: TensorLike, options?: BceOptions): Tensor;
  /** dLoss/dInput of nn.BCEWithLogitsLoss. */
  bceWithLogitsLoss(input: TensorLike, target: TensorLike, options?: BceWithLogitsOptions): Tensor;
  /** dLoss/dInput of nn.MSELoss. */
  mseLoss(input: TensorLike, target: TensorLike, options?: MseOptions): Tensor;
}

export interface Explain {
  /** Steps max, shift, exp, sum, divide computed by the C++ core. */
  softmax(x: TensorLike, dim?: number): Explained<Tensor>;
  /** Steps of log-softmax (max, shift, exp, sum, log-sum-exp, subtract). */
  logSoftmax(x: TensorLike, dim?: number): Explained<Tensor>;
  /** Steps of -sum(yTrue * log(yPred)). */
  crossEntropy(yTrue: TensorLike, yPred: TensorLike): Explained<number>;
  /** Steps of nn.CrossEntropyLoss. */
  crossEntropyLoss(input: TensorLike, target: TensorLike, options?: CrossEntropyOptions): Explained<LossValue>;
  /** Steps of nn.NLLLoss. */
  nllLoss(input: TensorLike, target: TensorLike, options?: NllOptions): Explained<LossValue>;
  /** Steps of nn.BCELoss. */
  bceLoss(input: TensorLike, target: TensorLike, options?: BceOptions): Explained<LossValue>;
  /** Steps of nn.BCEWithLogitsLoss. */
  bceWithLogitsLoss(input: TensorLike, target: TensorLike, options?: BceWithLogitsOptions): Explained<LossValue>;
  /** Steps of nn.MSELoss. */
  mseLoss(input: TensorLike, target: TensorLike, options?: MseOptions): Explained<LossValue>;
}

/** The API object returned by load(). Float results keep the input's float dtype (int32 computes in float64). */
export interface LogitLab {
  Tensor: typeof Tensor;
  /** See the top-level tensor(). */
  tensor: typeof tensor;
  /** See the top-level format(). */
  format: typeof format;
  /** softmax along dim (default -1). */
  softmax(x: TensorLike, dim?: number): Tensor;
  /** log-softmax along dim (default -1). */
  logSoftmax(x: TensorLike, dim?: number): Tensor;
  /** 1 / (1 + e^-x), stable for large |x|. */
  sigmoid(x: TensorLike): Tensor;
  /** max(x, 0). */
  relu(x: TensorLike): Tensor;
  /** Index of the largest value along dim (default -1), first on ties, NaN counts as largest: an int32 Tensor. */
  argmax(x: TensorLike, dim?: number): Tensor;
  /** torch.max(x): the largest element (NaN if any is NaN). */
  max(x: TensorLike): number;
  /** torch.max(x, dim): values and int32 indices along dim. */
  max(x: TensorLike, dim: number): { values: Tensor; indices: Tensor };
  /** The notebook's manual cross-entropy -sum(yTrue * log(yPred)). */
  crossEntropy(yTrue: TensorLike, yPred: TensorLike): number;
  /**
   * nn.CrossEntropyLoss on logits (C) or (N, C). A target with one dimension fewer holds class
   * indices; a target of the input's shape holds class probabilities.
   */
  crossEntropyLoss(input: TensorLike, target: TensorLike, options?: CrossEntropyOptions): LossValue;
  /** nn.NLLLoss on log-probabilities (C) or (N, C) with class-index targets. */
  nllLoss(input: TensorLike, target: TensorLike, options?: NllOptions): LossValue;
  /** nn.BCELoss on probabilities; logs clamped at -100. */
  bceLoss(input: TensorLike, target: TensorLike, options?: BceOptions): LossValue;
  /** nn.BCEWithLogitsLoss on logits. */
  bceWithLogitsLoss(input: TensorLike, target: TensorLike, options?: BceWithLogitsOptions): LossValue;
  /** nn.MSELoss. */
  mseLoss(input: TensorLike, target: TensorLike, options?: MseOptions): LossValue;
  /** dLoss/dInput of each loss, same arguments. */
  grad: Grad;
  /** Step-by-step explanations computed by the C++ core on the same code path as the plain call. */
  explain: Explain;
  /** Bytes in use on the wasm heap and nets not yet disposed. */
  memory(): { heapBytes: number; liveNets: number };
  /**
   * A multi-layer perceptron of nn.Linear layers with `activation` between them, initialised like
   * nn.Linear (U(-1/sqrt(fan_in), 1/sqrt(fan_in)) from the seed). Only `sizes` is required.
   * @example const net = ll.mlp({ sizes: [784, 5, 3] });            // the notebook's model
   * @example const bin = ll.mlp({ sizes: [784, 5, 1], output: 'sigmoid' }); // sigmoid + BCELoss
   */
  mlp(options: MlpOptions): Net;
  /** The UCI datasets shipped in web/data and seeded 2-D toy sets, plus split/standardise helpers. */
  datasets: Datasets;
}

export type Activation = 'relu' | 'sigmoid' | 'tanh';
export type LossName = 'cross_entropy' | 'bce' | 'bce_with_logits' | 'mse';

/** torch.optim.SGD / Adam / AdamW; omitted fields take torch's defaults (SGD lr: 0.01). */
export type OptimizerOptions =
  | { type?: 'sgd'; lr?: number; momentum?: number; dampening?: number; nesterov?: boolean; weightDecay?: number }
  | { type: 'adam' | 'adamw'; lr?: number; betas?: [number, number]; eps?: number; weightDecay?: number };

export interface MlpOptions {
  /** [inputs, hidden..., outputs]: one nn.Linear per consecutive pair (at least two entries). */
  sizes: number[];
  /** Between the Linear layers (default 'relu'). */
  activation?: Activation;
  /** 'logits' (default) or 'sigmoid', appended after the last Linear like the notebook's binary model. */
  output?: 'logits' | 'sigmoid';
  /** Default 'cross_entropy', or 'bce' when output is 'sigmoid'. */
  loss?: LossName;
  /** The loss's options (reduction 'mean' or 'sum'; weight, ignoreIndex, labelSmoothing, posWeight). */
  lossOptions?: CrossEntropyOptions | BceWithLogitsOptions | MseOptions;
  /** Default { type: 'sgd', lr: 0.01 }. */
  optimizer?: OptimizerOptions;
  /** Same seed, same initial weights on every platform (default 0). */
  seed?: number;
  /** Default 'float32'. */
  dtype?: 'float32' | 'float64';
}

/** One epoch of fit(): the mean of its batch losses and the training accuracy as trained. */
export interface EpochRecord {
  epoch: number;
  loss: number;
  accuracy: number;
}

/** A net made by ll.mlp. Free it with dispose() (a FinalizationRegistry frees forgotten ones). */
export interface Net {
  readonly sizes: number[];
  readonly dtype: 'float32' | 'float64';
  readonly activation: Activation;
  readonly output: 'logits' | 'sigmoid';
  readonly loss: LossName;
  readonly optimizer: OptimizerOptions;
  readonly disposed: boolean;
  /** Outputs (N, out) for x (N, in), or (out) for x (in); after the sigmoid for output 'sigmoid'. */
  forward(x: TensorLike): Tensor;
  /** zero_grad, forward, loss, backward, optimizer step; returns the loss. Throws (keeping the last good
   * weights) if the loss, a gradient or a weight becomes NaN or Infinity. */
  trainStep(x: TensorLike, y: TensorLike): number;
  /** The gradients of the last trainStep under the stateDict keys. */
  grads(): Record<string, Tensor>;
  /** The weights under PyTorch's names: 'linear1.weight' (out, in), 'linear1.bias' (out), ... */
  stateDict(): Record<string, Tensor>;
  /** Loads weights (Tensors or nested arrays, e.g. a torch state_dict turned into lists); checks every shape. */
  loadStateDict(dict: Record<string, TensorLike>): void;
  /** Replaces the optimizer (its state starts afresh). */
  setOptimizer(options: OptimizerOptions): void;
  /** Replaces the loss and its options. */
  setLoss(name: LossName, lossOptions?: CrossEntropyOptions | BceWithLogitsOptions | MseOptions): void;
  /** Shuffled mini-batches from the seed; yields to the event loop between batches. */
  fit(
    x: TensorLike,
    y: TensorLike,
    options?: { epochs?: number; batchSize?: number; shuffle?: boolean; seed?: number; onEpochEnd?: (record: EpochRecord) => void },
  ): Promise<EpochRecord[]>;
  /** Class indices (int32): argmax of the outputs, or output > 0.5 (logit > 0) for one output. */
  predict(x: TensorLike): Tensor;
  /** One forward, loss, backward and the update the optimizer would make, without changing the net. */
  explain(x: TensorLike, y: TensorLike): { steps: Step[] };
  /** Frees the C++ side; later calls throw. Safe to call twice. */
  dispose(): void;
}

/** A dataset as loaded: x (N, D) float64, y (N) int32 class indices. */
export interface Dataset {
  x: Tensor;
  y: Tensor;
  featureNames: string[];
  classNames: string[];
  source: string;
  license: string;
}

export interface Datasets {
  /** UCI handwritten digits: 1797 x 64 (8x8 pixels, 0..16), 10 classes. */
  digits(): Promise<Dataset>;
  /** UCI iris: 150 x 4, 3 classes. */
  iris(): Promise<Dataset>;
  /** UCI wine: 178 x 13, 3 classes. */
  wine(): Promise<Dataset>;
  /** UCI breast cancer Wisconsin (diagnostic): 569 x 30, 2 classes (0 = malignant). */
  breastCancer(): Promise<Dataset>;
  /** Seeded 2-D toy sets from the C++ core: x (n, 2) float64, y (n) int32. */
  toy(
    name: 'blobs' | 'circles' | 'xor' | 'spiral',
    options?: { n?: number; noise?: number; seed?: number; classes?: number },
  ): { x: Tensor; y: Tensor; classes: number };
  /** Shuffles rows with the seed and splits off testFraction of them (default 0.2). */
  trainTestSplit(
    x: TensorLike,
    y: TensorLike,
    options?: { testFraction?: number; seed?: number },
  ): { xTrain: Tensor; xTest: Tensor; yTrain: Tensor; yTest: Tensor };
  /** (x - mean) / std with the training set's mean and population std (a constant column keeps std 1). */
  standardize(xTrain: TensorLike, xTest?: TensorLike): { xTrain: Tensor; xTest?: Tensor; mean: Tensor; std: Tensor };
}

/**
 * Instantiates the wasm core once (later calls return the same object). In Node the .wasm is read
 * from the package; in browsers it is fetched next to web/wasm/logitlab.mjs.
 */
export declare function load(options?: { wasmUrl?: string | URL; wasmBinary?: ArrayBuffer | Uint8Array }): Promise<LogitLab>;

/**
 * What load() passes to attachMlp(ll, core, internals) in web/src/mlp.js.
 * - core: the Embind module (raw `_name_f32` / `_name_f64` functions).
 * - toTensor(x, fn, arg, dtype?, shape?): validates anything tensor-like into a Tensor (a Tensor of the
 *   requested dtype is returned as is); errors name `fn` and `arg`.
 * - fromCore({shape, data}, dtype): wraps a core result (a JS-owned copy) as a Tensor.
 * - floatInput(x, fn, arg): toTensor, with int32 converted to float64.
 * - floatDtype(t), suffix(dtype) -> '_f32' | '_f64', checkDim(dim, rank, fn),
 *   lossOptions(opts, allowedNames, fn, dtype), indexTarget(target, fn) -> int32 Tensor,
 *   steps(rawSteps, dtype) -> Step[].
 * - netCounter: { live: number } - increment when a net is created, decrement on dispose;
 *   memory().liveNets reads it.
 */
export interface Internals {
  core: unknown;
  Tensor: typeof Tensor;
  toTensor(x: TensorLike, fn?: string, arg?: string, dtype?: DType, shape?: number[]): Tensor;
  fromCore(r: { shape: number[]; data: TypedArray }, dtype: DType): Tensor;
  floatInput(x: TensorLike, fn: string, arg: string): Tensor;
  floatDtype(t: Tensor): 'float32' | 'float64';
  suffix(dtype: DType): '_f32' | '_f64';
  checkDim(dim: number, rank: number, fn: string): number;
  lossOptions(opts: object | undefined, allowed: string[], fn: string, dtype: DType): Record<string, unknown>;
  indexTarget(target: TensorLike, fn: string): Tensor;
  steps(raw: unknown[], dtype: DType): Step[];
  netCounter: { live: number };
}
