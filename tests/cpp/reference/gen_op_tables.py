# Prints torch 1.13 reference values for tests/cpp/test_ops.cpp.
import torch
def c(v): return "%.17g" % v
def vec(t): return "{" + ", ".join(c(float(v)) for v in t.reshape(-1).tolist()) + "}"
for dt in (torch.float64, torch.float32):
    print("==", dt)
    x = torch.tensor([2.0, 1.0, 0.1], dtype=dt)
    print("softmax([2,1,0.1], 0)", vec(torch.softmax(x, 0)))
    print("log_softmax([2,1,0.1], 0)", vec(torch.log_softmax(x, 0)))
    M = torch.tensor([[0.3,0.1,0.7],[0.6,0.2,0.2],[0.1,0.8,0.1]], dtype=dt)
    print("softmax(A, 0)", vec(torch.softmax(M, 0)))
    print("log_softmax(A, 0)", vec(torch.log_softmax(M, 0)))
    G = (0.5 * (torch.arange(24, dtype=torch.float64) * 7 % 11) - 2.3).to(dt).reshape(2, 3, 4)
    print("G", vec(G))
    print("softmax(G, 1)", vec(torch.softmax(G, 1)))
    print("log_softmax(G, -1)", vec(torch.log_softmax(G, -1)))
    H = (0.5 * (torch.arange(24, dtype=torch.float64) * 7 % 11) - 2.3).to(dt).reshape(2, 2, 3, 2)
    print("softmax(H, 2)", vec(torch.softmax(H, 2)))
    print("log_softmax(H, 0)", vec(torch.log_softmax(H, 0)))
    print("log_softmax([1000,0])", vec(torch.log_softmax(torch.tensor([1000., 0.], dtype=dt), 0)))
    print("softmax([1e30,0,-1e30])", vec(torch.softmax(torch.tensor([1e30, 0., -1e30], dtype=dt), 0)))
    print("log_softmax([1e30,0])", vec(torch.log_softmax(torch.tensor([1e30, 0.], dtype=dt), 0)))
    S = torch.tensor([-1000., -20., -1.5, 0., 0.5, 20., 1000.], dtype=dt)
    print("sigmoid(S)", vec(torch.sigmoid(S)))
    print("relu", vec(torch.relu(S)))
