import matplotlib
import numpy as np
import pytest

from eegxai.expert.erds import (
    ERDSResult,
    band_window_mean,
    compute_erds,
    erd_lateralization,
    erd_time_course,
    erds_map,
    plot_erds_maps,
)
from tests.analysis._synthetic import CH_NAMES, planted_erd

matplotlib.use("Agg")
FREQS = np.arange(6.0, 31.0, 2.0)


@pytest.fixture(scope="module")
def erd_data():
    return planted_erd(n_per_class=15, seed=1)


@pytest.fixture(scope="module")
def erds(erd_data):
    X, y, times, sfreq = erd_data
    return erds_map(X, y, sfreq=sfreq, times=times, freqs=FREQS, ch_names=CH_NAMES,
                    baseline=(-1.0, 0.0), tmin=-1.0, tmax=3.5, decim=2,
                    n_permutations=100, seed=0)


def test_erds_map_shows_planted_erd(erds):
    assert erds.percent.shape == (2, 3, len(FREQS), len(erds.times))
    assert erds.times[0] >= -1.0 and erds.times[-1] <= 3.5
    fsel = (erds.freqs >= 10) & (erds.freqs <= 12)
    tsel = (erds.times >= 1.0) & (erds.times <= 3.0)
    # Left hand (class 0): ERD at C4 (index 2), not at C3; right hand: at C3.
    erd_left_c4 = erds.percent[0, 2][fsel][:, tsel].mean()
    erd_left_c3 = erds.percent[0, 0][fsel][:, tsel].mean()
    erd_right_c3 = erds.percent[1, 0][fsel][:, tsel].mean()
    assert erd_left_c4 < -50 and erd_right_c3 < -50
    assert abs(erd_left_c3) < 20
    # Significant negative cluster covers the planted band/window on the planted channel.
    assert erds.mask_erd[0, 2][fsel][:, tsel].mean() > 0.8
    assert erds.mask_erd[1, 0][fsel][:, tsel].mean() > 0.8
    # Not on the ipsilateral channel, and no ERS anywhere in the planted band/window.
    assert erds.mask_erd[0, 0][fsel][:, tsel].mean() < 0.2
    assert not erds.mask_ers[0, 2][fsel][:, tsel].any()
    assert erds.mask.shape == erds.percent.shape
    values = band_window_mean(erds, band=(10, 12), window=(1.0, 3.0))
    assert values.shape == (2, 3) and values[0, 2] < -50


def test_erd_lateralization_sign(erds):
    li = erd_lateralization(erds, band=(8, 13), window=(0.5, 3.0))
    assert li["left_hand"] < -0.5  # ERD at C4
    assert li["right_hand"] > 0.5  # ERD at C3


def test_erd_time_course(erd_data):
    X, y, times, sfreq = erd_data
    tc = erd_time_course(X, y, sfreq=sfreq, times=times, band=(9, 13),
                         baseline=(-1.0, 0.0))
    assert tc["percent"].shape == (2, 3, len(times))
    inside = (times >= 1.0) & (times <= 3.0)
    base = (times >= -1.0) & (times <= 0.0)
    assert tc["percent"][0, 2, inside].mean() < -60
    assert abs(tc["percent"][0, 2, base].mean()) < 1e-6
    assert abs(tc["percent"][0, 0, inside].mean()) < 25
    with pytest.raises(ValueError, match="'band' must satisfy"):
        erd_time_course(X, y, sfreq=sfreq, times=times, band=(13, 9))


def test_result_dict_roundtrip_and_plot(erds):
    back = ERDSResult.from_dict(erds.to_dict())
    np.testing.assert_allclose(back.percent, erds.percent)
    np.testing.assert_array_equal(back.mask_erd, erds.mask_erd)
    assert back.ch_names == CH_NAMES
    from matplotlib.figure import Figure

    fig = plot_erds_maps(erds, picks=["C3", "C4"])
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 2 * 2 + 1  # maps + colorbar
    import matplotlib.pyplot as plt

    plt.close(fig)
    with pytest.raises(ValueError, match="not in"):
        plot_erds_maps(erds, picks=["Pz"])


def test_compute_erds_from_epochs():
    import mne

    X, y, times, sfreq = planted_erd(n_per_class=4, seed=2)
    info = mne.create_info(CH_NAMES, sfreq, "eeg")
    events = np.column_stack([np.arange(len(y)) * 1000, np.zeros(len(y), int), y + 1])
    epochs = mne.EpochsArray(X, info, events=events, tmin=times[0],
                             event_id={"left_hand": 1, "right_hand": 2}, verbose=False)
    res = compute_erds(epochs, FREQS, tmin=-1.0, tmax=3.5, decim=4, n_permutations=0)
    assert res.percent.shape[:2] == (2, 3)
    assert res.n_trials == [4, 4] and not res.mask.any()
    with pytest.raises(ValueError, match="not in the epochs' event_id"):
        compute_erds(epochs, FREQS, class_names=("feet", "tongue"))


def test_validation(erd_data):
    X, y, times, sfreq = erd_data
    with pytest.raises(ValueError, match="Invalid value for the 'method' parameter"):
        erds_map(X, y, sfreq=sfreq, times=times, freqs=FREQS, method="stockwell")
    with pytest.raises(ValueError, match="Nyquist"):
        erds_map(X, y, sfreq=sfreq, times=times, freqs=[10.0, 60.0])
    with pytest.raises(ValueError, match="baseline window"):
        erds_map(X, y, sfreq=sfreq, times=times, freqs=FREQS, baseline=(-9.0, -8.0))
    with pytest.raises(ValueError, match="'y' must have shape"):
        erds_map(X, y[:3], sfreq=sfreq, times=times, freqs=FREQS)


@pytest.mark.slow
def test_erds_on_simulated_subject():
    import mne

    simulate = pytest.importorskip("eegxai.datasets.simulate")
    raws, truth = simulate.simulate_subject(1, montage="2b", n_trials_per_class=20,
                                            sessions=["01T"], sfreq=100.0, seed=0)
    raw = raws[0].pick("eeg")
    events, event_id = mne.events_from_annotations(raw, verbose=False)
    epochs = mne.Epochs(raw, events, event_id={c: event_id[c] for c in truth.classes},
                        tmin=-2.0, tmax=5.0, baseline=None, preload=True, verbose=False)
    res = compute_erds(epochs, np.arange(6.0, 31.0, 2.0), baseline=(-1.5, -0.5),
                       tmin=-1.5, tmax=4.5, decim=2, n_permutations=100, seed=0)
    values = band_window_mean(res, band=truth.erd_band, window=truth.erd_window)
    for k, cls in enumerate(truth.classes):
        (channel,) = truth.erd_channels[cls]
        ch = res.ch_names.index(channel)
        assert values[k, ch] < -25  # planted ERD on the planted channel
        fsel = (res.freqs >= truth.erd_band[0]) & (res.freqs <= truth.erd_band[1])
        tsel = (res.times >= truth.erd_window[0]) & (res.times <= truth.erd_window[1])
        assert res.mask_erd[k, ch][fsel][:, tsel].mean() > 0.5
    li = erd_lateralization(res, band=truth.erd_band, window=truth.erd_window)
    assert li["left_hand"] < 0 < li["right_hand"]
