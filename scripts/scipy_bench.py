#!/usr/bin/python3
"""Time SciPy's assignment solvers on instance files written by cmd/matchbench.

Usage: scipy_bench.py [--reps N] FILE...

Each FILE is a little-endian binary instance:

  magic   8 bytes  b"TBASSIGN"
  kind    int64    1 = dense, 2 = sparse (CSR)
  rows    int64
  cols    int64
  dense:  rows*cols int64 costs, row-major
  sparse: nnz int64, then indptr (rows+1) int64, indices (nnz) int32,
          data (nnz) int64 costs (all non-zero)

Dense instances go to scipy.optimize.linear_sum_assignment, sparse ones to
scipy.sparse.csgraph.min_weight_full_bipartite_matching; both minimise the
total cost over full assignments of the smaller side. Only the solver call is
timed (the matrix is already in memory as float64, the type SciPy uses
internally). One JSON object per file is printed on stdout:

  {"file": ..., "total": <exact integer optimum>, "times_s": [...]}

The first line is {"scipy": version, "numpy": version, "python": version}.
"""

import json
import sys
import time

import numpy as np
import scipy
from scipy.optimize import linear_sum_assignment
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

MAGIC = b"TBASSIGN"


def read_instance(path):
    with open(path, "rb") as f:
        if f.read(8) != MAGIC:
            raise ValueError(f"{path}: not an instance file")
        kind, rows, cols = np.fromfile(f, dtype="<i8", count=3)
        if kind == 1:
            cost = np.fromfile(f, dtype="<i8", count=rows * cols).reshape(rows, cols)
            return "dense", cost
        if kind == 2:
            (nnz,) = np.fromfile(f, dtype="<i8", count=1)
            indptr = np.fromfile(f, dtype="<i8", count=rows + 1)
            indices = np.fromfile(f, dtype="<i4", count=nnz)
            data = np.fromfile(f, dtype="<i8", count=nnz)
            return "sparse", csr_matrix((data, indices, indptr), shape=(rows, cols))
        raise ValueError(f"{path}: unknown kind {kind}")


def solve(kind, cost, reps):
    if kind == "dense":
        values = cost.astype(np.float64)
        run = lambda: linear_sum_assignment(values)
    else:
        values = cost.astype(np.float64)
        run = lambda: min_weight_full_bipartite_matching(values)
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        rows, cols = run()
        times.append(time.perf_counter() - t0)
    if kind == "dense":
        total = int(cost[rows, cols].sum())
    else:
        total = int(np.asarray(cost[rows, cols]).sum())
    if len(rows) != min(cost.shape):
        raise ValueError("SciPy returned a partial assignment")
    return total, times


def main(argv):
    reps = 3
    files = []
    i = 0
    while i < len(argv):
        if argv[i] == "--reps":
            reps = int(argv[i + 1])
            i += 2
            continue
        files.append(argv[i])
        i += 1
    print(json.dumps({"scipy": scipy.__version__, "numpy": np.__version__,
                      "python": sys.version.split()[0]}), flush=True)
    for path in files:
        kind, cost = read_instance(path)
        total, times = solve(kind, cost, reps)
        print(json.dumps({"file": path, "total": total, "times_s": times}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
