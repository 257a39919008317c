"""SHAP in eegxai: exactness against shap, cost against LRP, AM prototypes; one run.

1. Exact Shapley values (:func:`eegxai.explain.explain`, ``method="shapley"``)
   vs shap's own exact explainer (``shap.explainers.Exact`` with an
   ``Independent`` masker on the same background): max |Δ| over samples and
   players (target ≤ 1e-8).
2. Time per sample on a BCI IV 2b-sized ShallowFBCSPNet (3 channels × 1000
   samples, braindecode defaults, float32, trained on simulated 2b EEG) with
   12 players = 3 channels × 4 windows of 250 samples: exact Shapley
   (2^12 = 4096 coalitions), Kernel SHAP (``--kernel-samples`` coalitions)
   and LRP (one backward pass), value ``"mean"`` (one background row per
   coalition) and ``"marginal"`` (``--n-background`` rows).
3. Activation maximization prototypes of each class (ℓ2, and with a Gaussian
   data prior fitted to the training trials): p(c | x*) under the model
   (target ≥ 0.99), and the lateralization of their mu/beta power
   ``LI = (P_C3 − P_C4) / (P_C3 + P_C4)`` (:mod:`eegxai.experiments.prototypes`):
   the simulated subject has a planted contralateral ERD, so the left-hand
   prototype (class 0) should have LI > 0 and the right-hand one LI < 0.

Usage: python benchmarks/shap_speed.py [--threads 1] [--n-explain 2]
                                      [--kernel-samples 2048] [--n-background 4]
                                      [--skip-timing]
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings

import numpy as np
import torch

from eegxai.explain import explain


def exact_vs_shap() -> float:
    import shap

    rng = np.random.default_rng(0)
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(10, 16), torch.nn.Tanh(),
                              torch.nn.Linear(16, 2)).double().eval()
    X, B = rng.normal(size=(5, 10)), rng.normal(size=(20, 10))

    def f(Z):
        with torch.no_grad():
            return net(torch.as_tensor(Z)).numpy()

    ours, _ = explain(f, X, method="shapley", background=B, target=1, return_players=True)
    theirs = shap.explainers.Exact(lambda Z: f(Z)[:, 1],
                                   shap.maskers.Independent(B, max_samples=len(B)))(X).values
    return float(np.max(np.abs(ours - theirs)))


def trained_shallow(seed=0):
    from eegxai.experiments.ground_truth import accuracy, simulated_sessions
    from eegxai.training import fit_model

    X, y, train, _, _ = simulated_sessions(1, seed=seed, n_trials_per_class=30)
    X = X[..., :1000].astype(np.float32)
    net, _, _ = fit_model(X[train], y[train], model="shallow", n_epochs=30, seed=seed,
                          device="cpu", progress=False)
    return net.eval(), X, y, train, accuracy(net, X[~train], y[~train])


def per_sample(fn, n):
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) / n


def timing(net, X, train, args) -> dict:
    groups = (np.arange(3)[:, None] * 4 + np.arange(1000)[None, :] // 250).astype(int)
    Xe = X[~train][: args.n_explain]
    mean_bg = X[train].mean(0, keepdims=True)
    bg = X[train][: args.n_background]
    common = dict(groups=groups, target=0, device="cpu", batch_size=512)
    out = {}
    out["exact (mean)"] = per_sample(lambda: explain(
        net, Xe, method="shapley", background=mean_bg, value="mean", **common), len(Xe))
    out[f"exact (marginal, {len(bg)} bg)"] = per_sample(lambda: explain(
        net, Xe[:1], method="shapley", background=bg, **common), 1)
    out[f"kernel_shap (mean, {args.kernel_samples})"] = per_sample(lambda: explain(
        net, Xe, method="kernel_shap", background=mean_bg, value="mean",
        n_samples=args.kernel_samples, **common), len(Xe))
    Xl = X[~train][:32]
    out["lrp (epsilon_plus_flat)"] = per_sample(
        lambda: explain(net, Xl, target=0, device="cpu"), len(Xl))
    phi_e, _ = explain(net, Xe, method="shapley", background=mean_bg, value="mean",
                       return_players=True, **common)
    phi_k, _ = explain(net, Xe, method="kernel_shap", background=mean_bg, value="mean",
                       n_samples=args.kernel_samples, return_players=True, **common)
    out["_kernel_vs_exact_max_abs"] = float(np.max(np.abs(phi_e - phi_k)))
    out["_phi_scale"] = float(np.max(np.abs(phi_e)))
    return out


def prototypes(net, X, train) -> dict:
    from eegxai.experiments.prototypes import prototype_eeg

    rows = {}
    for name, prior in (("l2 (lam=1e-2)", None), ("gaussian prior", "gaussian")):
        res = prototype_eeg(net, X[train], sfreq=250.0, ch_names=["C3", "Cz", "C4"],
                            prior=prior, n_steps=500, lr=0.05, device="cpu")
        for c in (0, 1):
            x = res["prototypes"][c]
            with torch.no_grad():
                p = torch.softmax(net(torch.as_tensor(x[None], dtype=torch.float32)), 1)
            rows[(c, name)] = (float(p[0, c]), float(np.sqrt((x**2).mean())),
                               res["lateralization"][c])
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--n-explain", type=int, default=2)
    parser.add_argument("--kernel-samples", type=int, default=2048)
    parser.add_argument("--n-background", type=int, default=4)
    parser.add_argument("--skip-timing", action="store_true",
                        help="only train the model and compute the prototypes (3.)")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    warnings.simplefilter("ignore")
    print(f"torch {torch.__version__}, {args.threads} thread(s), CPU")
    if not args.skip_timing:
        print(f"1. exact Shapley vs shap.explainers.Exact: max |Δ| = {exact_vs_shap():.2e}")
    net, X, y, train, acc = trained_shallow()
    print(f"   ShallowFBCSPNet 3 × 1000 trained on simulated 2b: test accuracy {acc:.2f}")
    t = timing(net, X, train, args) if not args.skip_timing else {}
    if t:
        print("2. seconds per sample, 12 players (3 channels × 4 windows of 250 samples):")
        lrp = t["lrp (epsilon_plus_flat)"]
        for name, sec in t.items():
            if not name.startswith("_"):
                print(f"   {name:<32s} {sec:10.4f} s  ({sec / lrp:9.0f}× LRP)")
        print(f"   Kernel SHAP vs exact: max |Δφ| = {t['_kernel_vs_exact_max_abs']:.2e} "
              f"(max |φ| = {t['_phi_scale']:.2e})")
    print("3. activation maximization prototypes, p(c | x*) and RMS of x*:")
    for (c, name), (p, rms, li) in prototypes(net, X, train).items():
        print(f"   class {c} {name:<16s} p = {p:.4f}  rms = {rms:.3f}"
              f"  {'ok' if p >= 0.99 else 'BELOW 0.99'}"
              f"  LI mu = {li[0]:+.2f}, beta = {li[1]:+.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
