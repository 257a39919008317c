import matplotlib
import numpy as np
import pytest

from eegxai.analysis import (
    channel_relevance,
    hemisphere,
    hemisphere_sums,
    lateralization_index,
    plot_relevance_topomap,
)

matplotlib.use("Agg")


def test_channel_relevance_sums_time(rng):
    R = rng.standard_normal((3, 4, 7))
    np.testing.assert_allclose(channel_relevance(R), R.sum(2))
    np.testing.assert_allclose(channel_relevance(R, absolute=True), np.abs(R).sum(2))


@pytest.mark.parametrize(
    "name, side",
    [("C3", "left"), ("C4", "right"), ("Cz", "midline"), ("FC5", "left"),
     ("AF8", "right"), ("C3..", "left"), ("EEG-C4", "right"), ("EOG1", "left"),
     ("STI", "other"), ("Fpz", "midline")],
)
def test_hemisphere(name, side):
    # EOG1 parses as an odd-numbered name; callers pick EEG channels first.
    assert hemisphere(name) == side


def test_lateralization_index_definition():
    ch = ["C3", "Cz", "C4"]
    per_channel = np.array([[3.0, 0.0, 1.0], [1.0, 5.0, 3.0], [-2.0, 0.0, 2.0],
                            [0.0, 1.0, 0.0]])
    li = lateralization_index(per_channel, ch)
    np.testing.assert_allclose(li, [0.5, -0.5, -1.0, 0.0])
    assert np.all(np.abs(li) <= 1)


def test_lateralization_sign_on_planted_relevance(rng):
    ch = ["C3", "Cz", "C4"]
    n = 40
    y = np.repeat([0, 1], n // 2)
    R = 0.1 * rng.standard_normal((n, 3, 50))
    R[y == 0, 2] += 1.0  # left-hand imagery: relevance over C4
    R[y == 1, 0] += 1.0  # right-hand imagery: relevance over C3
    per_channel = channel_relevance(R)
    li_left = lateralization_index(per_channel[y == 0].mean(0), ch)
    li_right = lateralization_index(per_channel[y == 1].mean(0), ch)
    assert li_left < -0.5 and li_right > 0.5


def test_hemisphere_sums_and_li_64():
    ch = ["C1", "C3", "Cz", "C2", "C4", "C6", "EOG"]
    values = np.array([1.0, 2.0, 10.0, 1.0, 1.0, 1.0, 100.0])
    sums = hemisphere_sums(values, ch)
    assert sums["left"] == 3.0 and sums["right"] == 3.0 and sums["midline"] == 10.0
    assert sums["other"] == 100.0
    assert lateralization_index(values, ch, mode="hemispheres") == 0.0
    values[1] = 5.0
    assert lateralization_index(values, ch, mode="hemispheres") == pytest.approx(3 / 9)


def test_validation():
    with pytest.raises(ValueError, match="Channel 'C5' not found"):
        lateralization_index(np.ones(3), ["C3", "Cz", "C4"], left="C5")
    with pytest.raises(ValueError, match="Invalid value for the 'mode' parameter"):
        lateralization_index(np.ones(3), ["C3", "Cz", "C4"], mode="lobes")
    with pytest.raises(ValueError, match="channels but 'ch_names'"):
        lateralization_index(np.ones(2), ["C3", "Cz", "C4"])
    with pytest.raises(TypeError, match="'absolute' must be an instance of bool"):
        channel_relevance(np.ones((1, 1, 1)), absolute=1)


def test_topomap_returns_figure():
    from matplotlib.figure import Figure

    ch = ["C3", "Cz", "C4", "FC3", "FC4", "CP3.", "CP4", "XX"]
    fig = plot_relevance_topomap(np.arange(8.0) - 3, ch, title="relevance")
    assert isinstance(fig, Figure)
    import matplotlib.pyplot as plt

    plt.close(fig)
    with pytest.raises(ValueError, match="At least 3 channels"):
        plot_relevance_topomap(np.ones(2), ["C3", "C4"])
