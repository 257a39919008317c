"""Expert features of one subject: parameters, planted rhythm, file round trip."""

from __future__ import annotations

import json

import numpy as np
import pytest

from eegxai._io import _json_default
from eegxai.expert.features import ExpertFeatures, ExpertParams, expert_features

from .synthetic import CH_NAMES, SFREQ, make_trials


def test_params_are_validated_and_frozen():
    params = ExpertParams()
    assert np.array_equal(params.erds_freqs, np.arange(6.0, 36.0, 1.0))
    with pytest.raises(ValueError, match="lateralization_window"):
        ExpertParams(lateralization_window=(2.5, 0.5))
    with pytest.raises(ValueError, match="erds_fmin"):
        ExpertParams(erds_fmin=30.0, erds_fmax=10.0)
    with pytest.raises(TypeError, match="erds_permutations"):
        ExpertParams(erds_permutations=10.5)
    with pytest.raises(AttributeError):
        params.r2_fmax = 30.0


def test_features_find_the_planted_mu_band_and_round_trip():
    X, y, _ = make_trials(40, n_times=500, seed=1)  # 10 Hz ERD at C3 / C4
    times = np.arange(X.shape[-1]) / SFREQ - 0.5
    features = expert_features(X, y, sfreq=SFREQ, times=times, ch_names=CH_NAMES,
                               class_names=["left_hand", "right_hand"],
                               params=ExpertParams(erds_permutations=10), seed=0)
    lo, hi = features.discriminative_band
    assert lo <= 10.0 <= hi and hi - lo < 8
    assert features.erds.ch_names == CH_NAMES
    assert set(features.li_erd) == {"left_hand", "right_hand"}
    assert features.csp_patterns is None  # no CSP+LDA baseline given
    text = json.dumps(features.to_dict(), default=_json_default)
    back = ExpertFeatures.from_dict(json.loads(text))
    assert back.discriminative_band == features.discriminative_band
    assert np.allclose(back.erds.percent, features.erds.percent)
    assert np.allclose(back.r2["r2"], features.r2["r2"])
