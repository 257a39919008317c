#!/usr/bin/env bash
# GPU check (<= 5 min): CUDA-marked tests, training and LRP timed on CUDA vs CPU,
# and CUDA results == CPU results within float tolerance. Without a GPU it runs
# everything on the CPU and says that no GPU was found.
#
#   benchmarks/gpu_check.sh            (from the repository root)
set -euo pipefail
cd "$(dirname "$0")/.."
py=.venv/bin/python
export MPLBACKEND=Agg

if "$py" -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)"; then
    devices="cpu cuda"
    "$py" -c "import torch; print('GPU:', torch.cuda.get_device_name(0), 'torch', torch.__version__)"
else
    devices="cpu"
    echo "gpu_check: no GPU found (torch.cuda.is_available() is False); running on the CPU only"
fi

echo "== CUDA-marked tests"
# tests named *cuda* or marked gpu; without a GPU they are skipped (the run
# still checks they collect and skip cleanly)
mapfile -t files < <(grep -rlE "cuda|mark\.gpu" tests --include='test_*.py')
set +e
timeout 120 .venv/bin/pytest "${files[@]}" -q -p no:cacheprovider -k "cuda or gpu" \
    -o addopts="-ra" >/tmp/gpu_check_pytest.$$ 2>&1
tests_rc=$?
set -e
tail -n 15 /tmp/gpu_check_pytest.$$; rm -f /tmp/gpu_check_pytest.$$

echo "== training and LRP, CUDA vs CPU"
timeout 170 "$py" - $devices <<'PY'
import sys, time, warnings

import numpy as np
import torch

from eegxai.explain import explain
from eegxai.training import fit_model

devices = sys.argv[1:]
rng = np.random.default_rng(0)
# without a GPU this is a smoke run of the same code: smaller sizes
n, n64, epochs = (64, 16, 2) if "cuda" in devices else (16, 4, 1)
X = rng.standard_normal((n, 3, 1000)).astype(np.float32)
y = rng.integers(0, 2, n)
X64 = rng.standard_normal((n64, 64, 640)).astype(np.float32)


def timed(fn):
    if "cuda" in devices:
        torch.cuda.synchronize()
    start = time.perf_counter()
    out = fn()
    if "cuda" in devices:
        torch.cuda.synchronize()
    return out, time.perf_counter() - start


print(f"{'step':34s} " + " ".join(f"{d:>9s}" for d in devices))
fits, times = {}, {}
for device in devices:
    (model, history, _), seconds = timed(lambda: fit_model(
        X, y, model="shallow", n_epochs=epochs, batch_size=32, valid_fraction=0.0,
        seed=0, device=device, progress=False))
    fits[device], times[device] = model, seconds
print(f"{f'train shallow {epochs} epochs, {n}x3x1000':34s} "
      + " ".join(f"{times[d]:9.2f}" for d in devices))

# one set of weights (trained on the CPU) explained on every device
model = fits["cpu"].to("cpu").eval()
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from braindecode.models import ShallowFBCSPNet
    torch.manual_seed(0)
    model64 = ShallowFBCSPNet(64, 2, n_times=640).eval()
ok = True
for label, net, data in (("3x1000", model, X), ("64x640", model64, X64)):
    for method in ("gradient", "lrp"):
        out, secs = {}, {}
        for device in devices:
            explain(net, data[:2], method=method, device=device)  # warm-up
            out[device], secs[device] = timed(
                lambda: explain(net, data, method=method, device=device, batch_size=64))
        print(f"{method + ' ' + label:34s} " + " ".join(f"{secs[d]:9.2f}" for d in devices))
        if "cuda" in out:
            scale = float(np.abs(out["cpu"]).max())
            err = float(np.abs(out["cuda"] - out["cpu"]).max())
            good = np.allclose(out["cuda"], out["cpu"], rtol=1e-4, atol=1e-5 * scale)
            ok &= bool(good)
            print(f"  CUDA == CPU: max |diff| {err:.2e} (scale {scale:.2e}) "
                  f"{'OK' if good else 'MISMATCH'}")
if "cuda" in devices:
    with torch.no_grad():
        logits = {d: model.to(d)(torch.as_tensor(X[:32], device=d)).cpu().numpy()
                  for d in devices}
    good = np.allclose(logits["cuda"], logits["cpu"], rtol=1e-4, atol=1e-5)
    ok &= bool(good)
    print(f"forward logits CUDA == CPU: {'OK' if good else 'MISMATCH'}")
else:
    print("no GPU: CUDA == CPU not checked")
sys.exit(0 if ok else 1)
PY
if [ "$tests_rc" -ne 0 ]; then
    echo "gpu_check: the CUDA tests failed (pytest exit $tests_rc)" >&2
    exit 1
fi
echo "gpu_check: done"
