"""The analysis functions on the real outputs of braindecode and eegxai.explain."""

import numpy as np
import pytest

from eegxai.analysis import (
    amplitude_perturbation_correlation,
    channel_relevance,
    first_layer_fir,
    first_layer_relevance_spectrum,
    relevance_time_course,
)

torch = pytest.importorskip("torch")
explain_mod = pytest.importorskip("eegxai.explain")


def test_shallow_net_relevance_pipeline():
    from braindecode.models import ShallowFBCSPNet

    torch.manual_seed(0)
    sfreq, n_times = 250.0, 500
    model = ShallowFBCSPNet(n_chans=3, n_outputs=2, n_times=n_times).eval()
    X = np.random.default_rng(0).standard_normal((6, 3, n_times)).astype(np.float32)
    R = explain_mod.explain(model, X, method="lrp", device="cpu")
    assert R.shape == X.shape
    layer = explain_mod.explain_layer(model, X, layer="conv_time", device="cpu")
    fir = first_layer_fir(model)
    assert layer.shape[:2] == (6, fir.shape[0])
    spec = first_layer_relevance_spectrum(fir, layer, sfreq, fmax=60)
    assert spec["positive"].shape == spec["freqs"].shape
    assert np.all(spec["positive"] >= 0) and np.all(spec["negative"] >= 0)
    assert channel_relevance(R).shape == (6, 3)
    assert relevance_time_course(R)["all"]["mean"].shape == (n_times,)

    def predict(batch):
        with torch.no_grad():
            return model(torch.as_tensor(batch, dtype=torch.float32)).numpy()

    out = amplitude_perturbation_correlation(predict, X, sfreq, n_repeats=2, seed=0,
                                             fmax=60)
    assert out["correlation"].shape == (3, len(out["freqs"]))
    assert np.all(np.abs(out["correlation"]) <= 1 + 1e-9)
