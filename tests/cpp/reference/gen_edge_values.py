# Prints torch 1.13 edge-case values (notebook CrossEntropyLoss in both dtypes) quoted in tests/cpp/test_losses.cpp.
import torch, torch.nn.functional as F
def c(v): return "%.17g" % v
A = [[0.3,0.1,0.7],[0.6,0.2,0.2],[0.1,0.8,0.1]]; A2 = [[0.1,0.5,0.4],[0.1,0.1,0.8],[0.1,0.3,0.6]]
for dt in (torch.float32, torch.float64):
  print(dt, c(F.cross_entropy(torch.tensor(A, dtype=dt), torch.tensor([2,0,1]))), c(F.cross_entropy(torch.tensor(A2, dtype=dt), torch.tensor([2,0,1]))), c(F.cross_entropy(torch.tensor(A2, dtype=dt), torch.tensor([1,2,2]))))
  H = torch.tensor([[1000.,0.],[-1000.,0.],[1e30,0.],[0.,1e30]], dtype=dt, requires_grad=True)
  l = F.cross_entropy(H, torch.tensor([1,0,0,1]), reduction='none'); l.sum().backward()
  print('huge', [c(v) for v in l.tolist()], [c(v) for v in H.grad.reshape(-1).tolist()])
  one = torch.tensor([[3.0],[-2.0]], dtype=dt, requires_grad=True)
  l = F.cross_entropy(one, torch.tensor([0,0]), label_smoothing=0.1); l.backward()
  print('one', c(l), one.grad.reshape(-1).tolist())
import numpy as np
y=np.array([1,0,0.]); print(c(-np.sum(y*np.log(np.array([0.7,0.1,0.2])))), c(-np.sum(y*np.log(np.array([0.1,0.3,0.6])))))
y=np.array([1,0,0.],dtype=np.float32); print(c(-np.sum(y*np.log(np.array([0.7,0.1,0.2],dtype=np.float32)))), c(-np.sum(y*np.log(np.array([0.1,0.3,0.6],dtype=np.float32)))))
Y=torch.tensor([[1.,0,0],[0,0,1]]); Pp=torch.tensor([[0.7,0.1,0.2],[0.2,0.3,0.5]],dtype=torch.float64)
print('manual2', c(-(Y*torch.log(Pp)).sum()))
