"""Time per epoch: eegxai's training loop vs braindecode's EEGClassifier.

Both train ShallowFBCSPNet on BCI IV 2b-sized random data (400 trials x 3
channels x 1000 samples) with the same batch size, AdamW settings, cosine
annealing and training-accuracy bookkeeping, without validation, in the same
process, alternating over several rounds. Prints the best and median seconds
per epoch (first epoch of each fit excluded as warm-up) and the ratio eegxai /
braindecode of the best epochs (goal <= 1.0).

Usage: python benchmarks/train_speed.py [--device auto|cpu|cuda] [--n-epochs 4]
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import torch


def time_eegxai(X, y, *, n_epochs, batch_size, device, seed):
    from eegxai.training import fit_model

    start = time.perf_counter()
    _, history, _ = fit_model(
        X, y, model="shallow", n_epochs=n_epochs, batch_size=batch_size,
        valid_fraction=0.0, seed=seed, device=device, progress=False,
    )
    total = time.perf_counter() - start
    return history.duration_s.to_numpy(), total


def time_braindecode(X, y, *, n_epochs, batch_size, device, seed):
    from braindecode import EEGClassifier
    from braindecode.models import ShallowFBCSPNet
    from skorch.callbacks import EpochScoring, LRScheduler

    from eegxai.training import DEFAULT_OPTIM

    torch.manual_seed(seed)
    module = ShallowFBCSPNet(n_chans=X.shape[1], n_outputs=2, n_times=X.shape[2])
    net = EEGClassifier(
        module,
        criterion=torch.nn.CrossEntropyLoss,
        optimizer=torch.optim.AdamW,
        optimizer__lr=DEFAULT_OPTIM["shallow"]["lr"],
        optimizer__weight_decay=DEFAULT_OPTIM["shallow"]["weight_decay"],
        train_split=None,
        batch_size=batch_size,
        iterator_train__shuffle=True,
        callbacks=[
            ("train_accuracy", EpochScoring("accuracy", on_train=True,
                                            name="train_accuracy")),
            ("lr_scheduler", LRScheduler("CosineAnnealingLR",
                                         T_max=max(n_epochs - 1, 1))),
        ],
        device=device,
        max_epochs=n_epochs,
        verbose=0,
    )
    start = time.perf_counter()
    net.fit(X, y)
    total = time.perf_counter() - start
    return np.asarray(net.history[:, "dur"]), total


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="auto")
    parser.add_argument("--n-epochs", type=int, default=4,
                        help="epochs per fit (the first one is a warm-up)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="alternating fits of each (shared CPUs are noisy)")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--n-trials", type=int, default=400)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=None,
                        help="torch CPU threads (default: torch's choice)")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    warnings.filterwarnings("ignore")

    from eegxai.training import resolve_device

    device = str(resolve_device(args.device))
    rng = np.random.default_rng(args.seed)
    X = rng.standard_normal((args.n_trials, 3, 1000)).astype(np.float32)
    y = rng.integers(0, 2, args.n_trials).astype(np.int64)
    kw = dict(n_epochs=args.n_epochs, batch_size=args.batch_size, device=device,
              seed=args.seed)
    print(f"device={device} torch={torch.__version__} threads={torch.get_num_threads()}"
          f" data={X.shape} batch={args.batch_size} epochs={args.n_epochs}"
          f" rounds={args.rounds}")
    # Alternate the two so that load from other processes hits both alike.
    ours, theirs, ratios = [], [], []
    for _ in range(args.rounds):
        a, _ = time_eegxai(X, y, **kw)
        b, _ = time_braindecode(X, y, **kw)
        ours.extend(a[1:])
        theirs.extend(b[1:])
        ratios.append(np.median(a[1:]) / np.median(b[1:]))
    # The fastest epoch is the least disturbed by other load (as timeit does).
    for name, times in (("eegxai loop", ours), ("braindecode EEGClassifier", theirs)):
        print(f"{name:26s}: best {min(times):.3f} s/epoch, "
              f"median {np.median(times):.3f} s/epoch ({len(times)} warm epochs)")
    print(f"per-round ratios of medians: {' '.join(f'{r:.2f}' for r in ratios)}")
    print(f"ratio eegxai/braindecode (best epochs) = {min(ours) / min(theirs):.2f} "
          f"(goal <= 1.0)")


if __name__ == "__main__":
    main()
