# Writes web/data/{digits,iris,wine,breast_cancer}.json from the CSVs bundled with Debian's sklearn.
#
#   /usr/bin/python3 web/data/extract.py
# The sklearn loaders used here read files shipped inside the python3-sklearn package; sockets are
# disabled below so the run fails loudly if any of them ever tried to download something.
import json
import os
import socket
import sys


def _no_network(*args, **kwargs):
    raise RuntimeError("web/data/extract.py must not use the network")


socket.socket.connect = _no_network
socket.create_connection = _no_network

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from sklearn import datasets  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SKLEARN = f"Debian python3-sklearn {sklearn.__version__}"
UCI_LICENSE = ("CC BY 4.0 (Creative Commons Attribution 4.0 International), as stated by the "
               "UCI ML Repository")

# name -> loader, one-line description, original citation (UCI ML Repository entry).
DATASETS = {
    "digits": (
        datasets.load_digits,
        "8x8 images of handwritten digits 0-9; each pixel counts the on pixels of a 4x4 block "
        "(0..16).",
        "Alpaydin, E. and Kaynak, C. (1998). Optical Recognition of Handwritten Digits [test set]. "
        "UCI Machine Learning Repository. https://doi.org/10.24432/C50P49",
    ),
    "iris": (
        datasets.load_iris,
        "Sepal and petal length and width (cm) of 150 iris flowers of three species.",
        "Fisher, R. A. (1936/1988). Iris. UCI Machine Learning Repository. "
        "https://doi.org/10.24432/C56C76 (values as in Fisher's paper, which sklearn follows: "
        "two data points differ from the UCI file)",
    ),
    "wine": (
        datasets.load_wine,
        "13 chemical measurements of 178 wines from three cultivars grown in one region of Italy.",
        "Aeberhard, S. and Forina, M. (1991). Wine. UCI Machine Learning Repository. "
        "https://doi.org/10.24432/C5PC7J",
    ),
    "breast_cancer": (
        datasets.load_breast_cancer,
        "30 features of cell nuclei from fine needle aspirate images of 569 breast masses "
        "(class 0 malignant, 1 benign).",
        "Wolberg, W., Mangasarian, O., Street, N. and Street, W. (1995). Breast Cancer Wisconsin "
        "(Diagnostic). UCI Machine Learning Repository. https://doi.org/10.24432/C5DW2B",
    ),
}


def compact(v):
    """The exact float64 value, written as an int when it is one (the digits' pixel counts)."""
    v = float(v)
    if not np.isfinite(v):
        raise ValueError("non-finite value in dataset")
    return int(v) if v.is_integer() and abs(v) < 2**53 else v


def write(name, loader, description, citation):
    bunch = loader()
    x = np.asarray(bunch.data, dtype=np.float64)
    y = np.asarray(bunch.target)
    n, f = x.shape
    assert y.shape == (n,) and np.all(y == y.astype(int))
    head = {
        "name": name,
        "description": description,
        "source": f"{citation}. Extracted from the copy bundled with {SKLEARN}.",
        "license": UCI_LICENSE,
        "nSamples": int(n),
        "nFeatures": int(f),
        "featureNames": [str(s) for s in bunch.feature_names],
        "classNames": [str(s) for s in bunch.target_names],
    }
    assert len(head["featureNames"]) == f
    # Valid JSON with one sample per line, so diffs and eyeballing stay readable.
    rows = [",".join(json.dumps(compact(v)) for v in row) for row in x]
    text = json.dumps(head, indent=1, ensure_ascii=False)[:-2]
    text += ',\n "x": [\n' + ",\n".join(rows) + "\n ],\n"
    text += ' "y": ' + json.dumps([int(v) for v in y], separators=(",", ":")) + "\n}\n"
    path = os.path.join(HERE, f"{name}.json")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
    # Read back: exactly the same numbers as sklearn's arrays.
    back = json.load(open(path, encoding="utf-8"))
    assert np.array_equal(np.array(back["x"], dtype=np.float64).reshape(n, f), x)
    assert np.array_equal(np.array(back["y"]), y)
    print(f"wrote {path}: {n} x {f}, {os.path.getsize(path)} bytes", file=sys.stderr)


def main():
    for name, (loader, description, citation) in DATASETS.items():
        write(name, loader, description, citation)


if __name__ == "__main__":
    main()
