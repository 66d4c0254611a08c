// The notebook's two models (784 -> 5 -> 3 with CrossEntropyLoss; 784 -> 5 -> 1 + sigmoid with BCELoss)
// trained on a small generated batch, printing the loss per step. Run: node web/examples/notebook_models.mjs
import { load } from '../src/index.js';

const ll = await load();

// A batch of 8 "images": 784 pixels in [0, 1) from a small fixed-seed generator, so every run prints
// the same losses.
const N = 8;
const pixels = new Float32Array(N * 784);
let state = 12345;
for (let i = 0; i < pixels.length; i++) {
  state = (Math.imul(state, 1103515245) + 12345) >>> 0; // a 32-bit linear congruential generator
  pixels[i] = (state >>> 8) / 2 ** 24;
}
const x = ll.tensor(pixels, { shape: [N, 784] });
const labels3 = ll.tensor(Int32Array.from({ length: N }, (_, i) => i % 3));
const labels2 = ll.tensor(Int32Array.from({ length: N }, (_, i) => i % 2));

function train(title, net, y, steps = 10) {
  console.log(title);
  for (let s = 1; s <= steps; s++) console.log(`  step ${String(s).padStart(2)}  loss ${net.trainStep(x, y).toFixed(6)}`);
  console.log(`  predictions ${JSON.stringify(net.predict(x).tolist())} targets ${JSON.stringify(y.tolist())}`);
  net.dispose();
}

// Like nn.Sequential(nn.Linear(784, 5), nn.ReLU(), nn.Linear(5, 3)) with nn.CrossEntropyLoss().
train('784 -> 5 -> 3, CrossEntropyLoss, SGD lr 0.1', ll.mlp({ sizes: [784, 5, 3], optimizer: { type: 'sgd', lr: 0.1 } }), labels3);

// Like nn.Sequential(nn.Linear(784, 5), nn.ReLU(), nn.Linear(5, 1), nn.Sigmoid()) with nn.BCELoss().
train('784 -> 5 -> 1 + sigmoid, BCELoss, SGD lr 0.1', ll.mlp({ sizes: [784, 5, 1], output: 'sigmoid', loss: 'bce', optimizer: { type: 'sgd', lr: 0.1 } }), labels2);

console.log('live nets after dispose:', ll.memory().liveNets);
