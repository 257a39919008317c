"""Speed of eegxai.explain vs the gradient, zennit and captum, in one run.

For ShallowFBCSPNet and Deep4Net (braindecode defaults, random weights, eval
mode, float32) on batches of 64 × 3 × 1000 (BCI IV 2b) and 64 × 64 × 640
(EEGMMIDB), time (median of ``--repeats`` runs after one warm-up):

* ``eegxai lrp``      explain(method="lrp", composite=--composite)
* ``eegxai gradient`` explain(method="gradient")            (reference = 1.00)
* ``zennit EpsilonPlusFlat`` on the unmodified braindecode model (what a user
  would try; it runs but is not conserving, see docs/explain.md)
* ``captum Saliency``

and print each time as a ratio to our gradient. The methods run interleaved,
``--repeats`` rounds after one warm-up round, and each round gives one ratio to
the gradient of the same round, so a busy machine slows all of them alike; the
table shows the median time and the median ratio with its range over rounds.
Goal (ShallowFBCSPNet, CPU): LRP ≤ 1.3× gradient on 3 × 1000, ≤ 3× on 64 × 640.

Usage: python benchmarks/explain_speed.py [--device cpu|cuda] [--repeats 5]
                                         [--threads N] [--models ShallowFBCSPNet]
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from functools import partial

import numpy as np
import torch

from eegxai.explain import explain

SIZES = [(64, 3, 1000), (64, 64, 640)]


def build(name, n_chans, n_times):
    from braindecode.models import Deep4Net, ShallowFBCSPNet

    cls = {"ShallowFBCSPNet": ShallowFBCSPNet, "Deep4Net": Deep4Net}[name]
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cls(n_chans, 2, n_times=n_times).eval()


def once(fn, device):
    if device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    fn()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - start


def interleaved(runs, repeats, device):
    """``{name: [seconds per round]}``, all methods once per round, after a warm-up."""
    for fn in runs.values():
        fn()
    times = {name: [] for name in runs}
    for _ in range(repeats):
        for name, fn in runs.items():
            times[name].append(once(fn, device))
    return times


def zennit_epsilon_plus_flat(model, x):
    from zennit.composites import EpsilonPlusFlat

    x = x.clone().requires_grad_(True)
    with EpsilonPlusFlat().context(model):
        out = model(x)
        seed = torch.zeros_like(out)
        target = out.argmax(1)
        seed[torch.arange(len(x)), target] = out[torch.arange(len(x)), target].detach()
        (relevance,) = torch.autograd.grad(out, x, seed)
    return relevance


def captum_saliency(model, x):
    from captum.attr import Saliency

    with torch.no_grad():
        target = model(x).argmax(1)
    return Saliency(model).attribute(x, target=target, abs=False)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="auto", help="auto, cpu or cuda")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=None, help="torch threads")
    parser.add_argument("--composite", default="epsilon_plus_flat")
    parser.add_argument("--models", nargs="+", default=["ShallowFBCSPNet", "Deep4Net"])
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(
        ("cuda" if torch.cuda.is_available() else "cpu")
        if args.device == "auto"
        else args.device
    )
    print(
        f"device={device} torch={torch.__version__} threads={torch.get_num_threads()} "
        f"float32 repeats={args.repeats} composite={args.composite}"
    )
    header = (
        f"{'model':16s} {'batch':>13s} {'method':24s} {'time [s]':>9s} "
        f"{'ratio':>6s} {'range':>12s}"
    )
    print(header)
    print("-" * len(header))
    for name in args.models:
        for n, n_chans, n_times in SIZES:
            model = build(name, n_chans, n_times).to(device)
            X = np.random.default_rng(0).standard_normal((n, n_chans, n_times))
            X = X.astype(np.float32)
            x = torch.as_tensor(X, device=device)
            dev = str(device)
            runs = {
                "eegxai gradient": partial(
                    explain, model, X, method="gradient", device=dev, batch_size=n
                ),
                "eegxai lrp": partial(
                    explain,
                    model,
                    X,
                    composite=args.composite,
                    device=dev,
                    batch_size=n,
                ),
                "zennit EpsilonPlusFlat": partial(zennit_epsilon_plus_flat, model, x),
            }
            try:
                import captum  # noqa: F401

                runs["captum Saliency"] = partial(captum_saliency, model, x)
            except ImportError:
                pass
            times = interleaved(runs, args.repeats, device)
            reference = times["eegxai gradient"]
            for method, seconds in times.items():
                ratios = [t / r for t, r in zip(seconds, reference, strict=True)]
                print(
                    f"{name:16s} {f'{n}x{n_chans}x{n_times}':>13s} {method:24s} "
                    f"{statistics.median(seconds):9.3f} "
                    f"{statistics.median(ratios):6.2f} "
                    f"{f'{min(ratios):.2f}-{max(ratios):.2f}':>12s}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
