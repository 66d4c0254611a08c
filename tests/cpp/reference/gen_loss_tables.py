# Emits the C++ reference tables of tests/cpp/test_losses.cpp from torch 1.13 (run with /usr/bin/python3).
import math, torch, torch.nn.functional as F
torch.set_grad_enabled(True)

def c(v):
    if math.isnan(v): return "NAN"
    if math.isinf(v): return "INFINITY" if v > 0 else "-INFINITY"
    return "%.17g" % v

def shp(t):
    return "{" + ", ".join(str(d) for d in t.shape) + "}"

def vec(t):
    v = [c(float(x)) for x in t.detach().reshape(-1).tolist()]
    lines = [", ".join(v[i:i + 4]) for i in range(0, len(v), 4)]
    return "{" + ",\n      ".join(lines) + "}"

INPUTS = {
  "A": [[0.3,0.1,0.7],[0.6,0.2,0.2],[0.1,0.8,0.1]],
  "B": [[1.5,-0.5,2.0,0.1],[-1.2,0.3,0.8,2.2],[0.0,0.0,0.0,0.0],[3.0,-2.0,1.0,0.5]],
  "V": [0.5,-1.0,2.0,0.25],
}
PROBS = {
  "PB": [[0.1,0.2,0.3,0.4],[0.25,0.25,0.25,0.25],[1.0,0.0,0.0,0.0],[0.0,0.5,0.5,0.0]],
  "PV": [0.1,0.6,0.2,0.1],
}
W4 = [0.5,2.0,1.0,0.25]

def run(fn, inp, dtype, **kw):
    x = torch.tensor(inp, dtype=dtype, requires_grad=True)
    l = fn(x, **kw)
    l.sum().backward()
    return l, x.grad

def opts_str(kw):
    parts = []
    for k, v in kw.items():
        if k == 'target': continue
        if k in ('weight', 'pos_weight'): parts.append("%s=%s" % (k, v))
        else: parts.append("%s=%r" % (k, v))
    return ", ".join(parts)

def emit(loss, fname, inp_name, inp, tgt_name, tgt, tgt_is_index, kw_list):
    for kw in kw_list:
        rows = {}
        for dt in (torch.float64, torch.float32):
            kw2 = dict(kw)
            for k in ('weight', 'pos_weight'):
                if k in kw2: kw2[k] = torch.tensor(kw2[k], dtype=dt)
            t = torch.tensor(tgt, dtype=torch.int64 if tgt_is_index else dt)
            l, g = run(lambda x, **k: fname(x, t, **k), inp, dt, **kw2)
            rows[dt] = (l, g)
        call = "%s(%s, %s%s%s)" % (loss, inp_name, tgt_name, ", " if kw else "", opts_str(kw))
        print("    // torch 1.13 F.%s: loss in float64, float32; d(loss.sum())/d%s in float64, float32" % (call.replace("nn.functional.", ""), inp_name))
        w = torch.tensor(kw.get('weight', [])); pw = torch.tensor(kw.get('pos_weight', []))
        print("    {\"%s\", \"%s\", \"%s\", %s, %s, %s, %s, %d, \"%s\", %s,\n     %s, %s,\n     %s,\n     %s}," % (
            call.replace("nn.functional.", ""), inp_name, tgt_name,
            shp(w), vec(w), shp(pw), vec(pw),
            kw.get('ignore_index', -100), kw.get('reduction', 'mean'), c(kw.get('label_smoothing', 0.0)),
            vec(rows[torch.float64][0]), vec(rows[torch.float32][0]), vec(rows[torch.float64][1]),
            vec(rows[torch.float32][1])))

import sys
which = sys.argv[1]
if which == "ce_index":
    kws = [dict(), dict(reduction='sum'), dict(reduction='none'),
           dict(weight=W4), dict(weight=W4, reduction='sum'), dict(weight=W4, reduction='none'),
           dict(ignore_index=1), dict(ignore_index=1, weight=W4), dict(ignore_index=1, reduction='none'),
           dict(label_smoothing=0.1), dict(label_smoothing=0.3, weight=W4),
           dict(label_smoothing=0.2, weight=W4, ignore_index=1),
           dict(label_smoothing=0.2, weight=W4, ignore_index=1, reduction='sum'),
           dict(label_smoothing=0.2, weight=W4, ignore_index=1, reduction='none'),
           dict(label_smoothing=0.2, ignore_index=1, reduction='mean'),
           dict(label_smoothing=1.0)]
    emit("nn.functional.cross_entropy", F.cross_entropy, "B", INPUTS["B"], "TB", [3,1,0,1], True, kws)
    emit("nn.functional.cross_entropy", F.cross_entropy, "V", INPUTS["V"], "TV", 2, True,
         [dict(), dict(reduction='none'), dict(weight=W4, label_smoothing=0.1), dict(weight=W4, reduction='sum')])
elif which == "ce_prob":
    kws = [dict(), dict(reduction='sum'), dict(reduction='none'), dict(weight=W4), dict(weight=W4, reduction='none'),
           dict(label_smoothing=0.2), dict(label_smoothing=0.2, weight=W4), dict(label_smoothing=0.2, weight=W4, reduction='sum')]
    emit("nn.functional.cross_entropy", F.cross_entropy, "B", INPUTS["B"], "PB", PROBS["PB"], False, kws)
    emit("nn.functional.cross_entropy", F.cross_entropy, "V", INPUTS["V"], "PV", PROBS["PV"], False,
         [dict(), dict(weight=W4, label_smoothing=0.1, reduction='none')])
elif which == "nll":
    kws = [dict(), dict(reduction='sum'), dict(reduction='none'), dict(weight=W4), dict(ignore_index=1, weight=W4),
           dict(ignore_index=1, weight=W4, reduction='none')]
    emit("nn.functional.nll_loss", F.nll_loss, "B", INPUTS["B"], "TB", [3,1,0,1], True, kws)
    emit("nn.functional.nll_loss", F.nll_loss, "V", INPUTS["V"], "TV", 2, True, [dict(), dict(weight=W4)])
elif which == "bce":
    P = [[0.1,0.9,0.5],[0.0,1.0,0.3]]; Y = [[0.0,1.0,1.0],[1.0,0.0,0.5]]
    kws = [dict(), dict(reduction='sum'), dict(reduction='none'), dict(weight=[0.5,2.0,1.0]),
           dict(weight=[[2.0],[0.5]], reduction='none'), dict(weight=[[1.0,2.0,3.0],[4.0,5.0,6.0]], reduction='sum')]
    emit("nn.functional.binary_cross_entropy", F.binary_cross_entropy, "P", P, "Y", Y, False, kws)
elif which == "bcel":
    X = [[0.5,-1.0,3.0],[-20.0,40.0,0.0]]; Y = [[1.0,0.0,1.0],[0.0,1.0,0.3]]
    kws = [dict(), dict(reduction='sum'), dict(reduction='none'), dict(pos_weight=[1.0,2.0,0.5]),
           dict(weight=[[2.0],[0.5]]), dict(pos_weight=[1.0,2.0,0.5], weight=[[2.0],[0.5]], reduction='none'),
           dict(pos_weight=[3.0], reduction='sum')]
    emit("nn.functional.binary_cross_entropy_with_logits", F.binary_cross_entropy_with_logits, "X", X, "YL", Y, False, kws)
    XH = [1000.0, -1000.0, 1e30, -1e30]; YH = [1.0, 0.0, 0.0, 1.0]
    emit("nn.functional.binary_cross_entropy_with_logits", F.binary_cross_entropy_with_logits, "XH", XH, "YH", YH, False,
         [dict(reduction='none'), dict(pos_weight=[2.0], reduction='none')])
elif which == "mse":
    X = [[0.5,-1.0,3.0],[-20.0,40.0,0.0]]; Y = [[1.0,0.0,1.0],[0.0,1.0,0.3]]
    emit("nn.functional.mse_loss", F.mse_loss, "X", X, "YL", Y, False, [dict(), dict(reduction='sum'), dict(reduction='none')])
