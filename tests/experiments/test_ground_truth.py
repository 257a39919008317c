"""LRP on a trained shallow ConvNet recovers the simulator's planted ERD.

Small configuration of benchmarks/ground_truth_rates.py (which reports the rates
over many subjects and seeds): every subject here must pass all three checks.
"""

from __future__ import annotations

import pytest

from eegxai.experiments.ground_truth import ground_truth_check


@pytest.mark.slow
@pytest.mark.parametrize("subject", [1, 4])
def test_lrp_recovers_planted_band_side_and_window(subject):
    res = ground_truth_check(subject, seed=3, n_trials_per_class=30,
                             sessions=("01T", "02T", "04E"), n_epochs=25)
    assert res["accuracy"] >= 0.9, res
    # which rhythm: the leading frequency evidence (SPECTRA[0], band occlusion)
    # peaks in the planted band
    assert res["spectrum_ok"], (res["peak_freq"], res["band"])
    # where: relevance lateralization differs between the classes as planted
    assert res["lateralization_ok"], res["li"]
    # when: the relevance time course peaks inside the planted ERD window
    assert res["time_ok"], (res["peak_time"], res["window"])
