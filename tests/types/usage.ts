// Compile-only check of web/src/index.d.ts: the README's examples typed against the hand-written types.
import { load, tensor, type Net, type Tensor } from 'logitlab';

async function main(): Promise<void> {
  const ll = await load();
  const p: Tensor = ll.softmax([2.0, 1.0, 0.1]);
  const s: string = ll.format(p, { style: 'numpy' });
  const loss = ll.crossEntropyLoss(tensor([[0.3, 0.1, 0.7]], { dtype: 'float32' }), [2], { labelSmoothing: 0.1 });
  const g: Tensor = ll.grad.crossEntropyLoss([[0.3, 0.1, 0.7]], [2]);
  const steps = ll.explain.softmax([2, 1, 0.1], -1).steps.map((st) => `${st.id}: ${st.formula}`);
  const { values, indices } = ll.max([[1, 2], [3, 0]], 1);
  const net: Net = ll.mlp({ sizes: [4, 8, 3], optimizer: { type: 'adam', lr: 0.01 }, seed: 1 });
  const iris = await ll.datasets.iris();
  const split = ll.datasets.trainTestSplit(iris.x, iris.y, { testFraction: 0.2, seed: 0 });
  const { xTrain, xTest } = ll.datasets.standardize(split.xTrain, split.xTest);
  const history = await net.fit(xTrain, split.yTrain, { epochs: 2, batchSize: 16, onEpochEnd: (r) => r.loss });
  const acc: number = history[history.length - 1].accuracy;
  const pred: Tensor = net.predict(xTest ?? xTrain);
  const w: Tensor = net.stateDict()['linear1.weight'];
  net.dispose();
  console.log(s, loss, g, steps, values, indices, acc, pred, w, ll.memory().liveNets);
}
void main();
