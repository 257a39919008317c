"""Cost of in-silico mutagenesis vs LRP on the DeepBind-style CNN, in one run.

In-silico mutagenesis needs ``3 × length`` forward passes per sequence (each
position mutated to each of the 3 other nucleotides); LRP needs one forward and
one backward pass. For a DeepBind net (``--filters`` filters of 15 bp,
random weights, eval mode, float32) on ``--n`` one-hot sequences of
``--length`` bp, time (median of ``--repeats`` runs after one warm-up):

* ``lrp``                explain(method="lrp", composite="epsilon_plus")
* ``gradient_x_input``   explain(method="gradient_x_input")
* ``mutagenesis``        eegxai.dna.relevance.mutagenesis

and print each as a ratio to LRP.

Usage: python benchmarks/dna_cost.py [--n 100] [--length 200] [--repeats 3] [--threads 1]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch

from eegxai.dna.model import DeepBind
from eegxai.dna.relevance import nucleotide_relevance


def timed(fn, repeats):
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--length", type=int, default=200)
    parser.add_argument("--filters", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = DeepBind(args.filters, 15).eval()
    idx = np.random.default_rng(0).integers(0, 4, (args.n, args.length))
    X = np.eye(4, dtype=np.float32)[idx].transpose(0, 2, 1).copy()
    rows = {}
    for method in ("lrp", "gradient_x_input", "mutagenesis"):
        rows[method] = timed(lambda m=method: nucleotide_relevance(
            model, X, m, composite="epsilon_plus"), args.repeats)
    print(f"{args.n} sequences x {args.length} bp, {args.filters} filters, "
          f"{args.threads} thread(s); mutagenesis = {3 * args.length} forward passes "
          "per sequence")
    print(f"{'method':<20}{'seconds':>10}{'x LRP':>10}")
    for method, seconds in rows.items():
        print(f"{method:<20}{seconds:>10.3f}{seconds / rows['lrp']:>10.1f}")


if __name__ == "__main__":
    main()
