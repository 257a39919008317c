import numpy as np
import pytest
from scipy import stats

from eegxai.analysis import (
    mean_ci,
    peak_time,
    relevance_time_course,
    time_course,
    trial_subsets,
)


def _planted_relevance(rng, n=40, n_chans=3, sfreq=100.0, window=(1.0, 1.5)):
    times = np.arange(-0.5, 3.0, 1 / sfreq)
    R = 0.1 * rng.standard_normal((n, n_chans, len(times)))
    y = np.repeat([0, 1], n // 2)
    sel = (times >= window[0]) & (times <= window[1])
    R[:, :, sel] += 1.0
    R[y == 1][:, :, sel] += 0.0
    R[np.ix_(y == 1, [0], np.flatnonzero(sel))] += 2.0  # class 1 stronger
    return R, y, times


def test_time_course_sums_channels(rng):
    R = rng.standard_normal((4, 3, 10))
    np.testing.assert_allclose(time_course(R), R.sum(1))
    np.testing.assert_allclose(time_course(R, absolute=True), np.abs(R).sum(1))


def test_mean_ci_matches_t_interval(rng):
    v = rng.standard_normal((20, 5))
    m, lo, hi = mean_ci(v, ci=0.95)
    half = stats.t.ppf(0.975, 19) * v.std(0, ddof=1) / np.sqrt(20)
    np.testing.assert_allclose(m, v.mean(0))
    np.testing.assert_allclose(hi - m, half)
    np.testing.assert_allclose(m - lo, half)
    m1, lo1, hi1 = mean_ci(v[:1])
    np.testing.assert_allclose(lo1, m1)


def test_time_course_peaks_in_planted_window(rng):
    R, y, times = _planted_relevance(rng)
    tc = relevance_time_course(R, y, times=times, class_names=["left_hand", "right_hand"])
    for key in ("all", "left_hand", "right_hand", "difference"):
        assert tc[key]["mean"].shape == times.shape
        assert np.all(tc[key]["low"] <= tc[key]["mean"] + 1e-12)
    t_peak = peak_time(times, tc["all"]["mean"])
    assert 1.0 <= t_peak <= 1.5
    # The difference (class 1 − class 0) is positive and significant in the window.
    sel = (times >= 1.0) & (times <= 1.5)
    assert np.all(tc["difference"]["low"][sel] > 0)
    assert tc["left_hand"]["n"] == 20 and tc["difference"]["n"] == 40


def test_trial_subsets():
    y = np.array([0, 0, 1, 1])
    y_pred = np.array([0, 1, 1, 1])
    s = trial_subsets(y, y_pred, class_names=["left_hand", "right_hand"])
    assert s["all"].all()
    np.testing.assert_array_equal(s["left_hand"], [True, True, False, False])
    np.testing.assert_array_equal(s["correct"], [True, False, True, True])
    np.testing.assert_array_equal(s["wrong"], ~s["correct"])
    assert set(trial_subsets(y)) == {"all", "class_0", "class_1"}


def test_validation(rng):
    with pytest.raises(ValueError, match="3 dimensions"):
        time_course(np.zeros((3, 4)))
    with pytest.raises(ValueError, match="one entry per trial"):
        relevance_time_course(np.zeros((3, 2, 4)), y=[0, 1])
    with pytest.raises(ValueError, match="'times' has"):
        relevance_time_course(np.zeros((3, 2, 4)), times=np.arange(5))
    with pytest.raises(ValueError, match="Invalid value for the 'mode' parameter"):
        peak_time(np.arange(3), np.arange(3), mode="peak")
    with pytest.raises(ValueError, match="NaN"):
        time_course(np.full((1, 1, 2), np.nan))
