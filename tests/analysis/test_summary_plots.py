import matplotlib
import numpy as np
import pytest
from matplotlib.figure import Figure
from scipy import signal

from eegxai.analysis import (
    first_layer_relevance_spectrum,
    plot_channel_frequency,
    plot_relevance_spectrum,
    plot_time_course,
    relevance_time_course,
    save_relevance,
    save_summary,
    summarize_relevance,
    summarize_relevance_file,
)

matplotlib.use("Agg")
SFREQ = 100.0


def _inputs(rng, n=20):
    times = np.arange(-0.5, 2.0, 1 / SFREQ)
    y = np.repeat([0, 1], n // 2)
    y_pred = y.copy()
    y_pred[:3] = 1
    R = 0.05 * rng.standard_normal((n, 3, len(times)))
    win = (times >= 0.5) & (times <= 1.0)
    R[np.ix_(y == 0, [2], np.flatnonzero(win))] += 1.0
    R[np.ix_(y == 1, [0], np.flatnonzero(win))] += 1.0
    fir = np.stack([signal.firwin(51, [10, 12], pass_zero=False, fs=SFREQ),
                    signal.firwin(51, [30, 35], pass_zero=False, fs=SFREQ)])
    layer = np.zeros((n, 2, 10, 3))  # explain_layer's (trials, filters, time, chans)
    layer[:, 0] = 1.0
    layer[:, 1] = -0.2
    return dict(relevance=R, y=y, y_pred=y_pred, times=times,
                ch_names=["C3", "Cz", "C4"], sfreq=SFREQ, layer_relevance=layer,
                fir=fir)


def test_summarize_relevance(rng, tmp_path):
    data = _inputs(rng)
    s = summarize_relevance(**data)
    assert set(s["subsets"]) == {"all", "left_hand", "right_hand", "correct", "wrong"}
    left, right = s["subsets"]["left_hand"], s["subsets"]["right_hand"]
    assert left["lateralization_index"] < -0.8 and right["lateralization_index"] > 0.8
    assert 0.5 <= s["subsets"]["all"]["peak_time"] <= 1.0
    assert s["subsets"]["wrong"]["n_trials"] == 3
    fl = s["subsets"]["all"]["first_layer"]
    assert 9.5 <= fl["peak_freq"] <= 12.5 and fl["mu_beta_share"] > 0.7
    assert s["lateralization"]["mode"] == "channels"
    save_summary(tmp_path / "summary.json", s)  # JSON-serializable

    path = tmp_path / "rel.h5"
    save_relevance(path, method="lrp", composite="epsilon_plus_flat", subject="1",
                   **data)
    s2 = summarize_relevance_file(path)
    assert s2["method"] == "lrp" and s2["subject"] == "1"
    np.testing.assert_allclose(s2["subsets"]["left_hand"]["lateralization_index"],
                               left["lateralization_index"], rtol=1e-5)


def test_summarize_relevance_hemispheres_and_validation(rng):
    data = _inputs(rng)
    data["ch_names"] = ["FC3", "FCz", "FC4"]
    s = summarize_relevance(**{k: v for k, v in data.items()
                               if k not in ("layer_relevance", "fir")})
    assert s["lateralization"]["mode"] == "hemispheres"
    assert "first_layer" not in s["subsets"]["all"]
    with pytest.raises(ValueError, match="needs 'sfreq'"):
        summarize_relevance(**{**data, "sfreq": None})


def test_figures(rng):
    import matplotlib.pyplot as plt

    data = _inputs(rng)
    tc = relevance_time_course(data["relevance"], data["y"], times=data["times"])
    spec = first_layer_relevance_spectrum(data["fir"], data["layer_relevance"], SFREQ)
    figs = [
        plot_time_course(tc, title="relevance"),
        plot_relevance_spectrum(spec, title="first layer"),
        plot_channel_frequency(spec["freqs"], np.stack([spec["net"]] * 3),
                               ["C3", "Cz", "C4"]),
    ]
    for fig in figs:
        assert isinstance(fig, Figure)
        plt.close(fig)
