// The notebook's seed numbers through the public API: softmax, manual cross-entropy, CrossEntropyLoss, argmax.
import { load } from '../src/index.js';

const ll = await load();

// softmax of [2, 1, 0.1]: float64 printed like numpy, then float32 printed like torch.
const logits = [2.0, 1.0, 0.1];
console.log('softmax numpy :', ll.format(ll.softmax(ll.tensor(logits)), { style: 'numpy' }));
console.log(String(ll.softmax(ll.tensor(logits, { dtype: 'float32' }))));

// The manual formula -sum(y log p) for a good and a bad prediction of the one-hot [1, 0, 0].
const yTrue = [1, 0, 0];
console.log(ll.crossEntropy(yTrue, [0.7, 0.1, 0.2]));
console.log(ll.crossEntropy(yTrue, [0.1, 0.3, 0.6]));

// nn.CrossEntropyLoss (float32, mean) of a good and a bad batch of logits against classes [2, 0, 1].
const target = ll.tensor([2, 0, 1], { dtype: 'int32' });
const good = ll.tensor([[0.3, 0.1, 0.7], [0.6, 0.2, 0.2], [0.1, 0.8, 0.1]], { dtype: 'float32' });
const bad = ll.tensor([[0.1, 0.5, 0.4], [0.1, 0.1, 0.8], [0.1, 0.3, 0.6]], { dtype: 'float32' });
console.log(ll.crossEntropyLoss(good, target), ll.crossEntropyLoss(bad, target));

// Predicted classes.
console.log(`${ll.argmax(good, 1)} ${ll.argmax(bad, 1)}`);
