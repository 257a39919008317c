"""Clever Hans: a decoder trained on class-correlated blinks (eegxai.experiments.clever_hans)."""

from __future__ import annotations

import pytest

from eegxai.experiments.clever_hans import clever_hans_experiment, eog_flag


def test_eog_flag_threshold():
    assert eog_flag(0.8, 3, 6)  # 0.8 > 1.5 * 0.5 = 0.75
    assert not eog_flag(0.5, 3, 6)
    assert eog_flag(0.2, 1, 60)
    with pytest.raises(ValueError, match="'share'"):
        eog_flag(1.5, 3, 6)


@pytest.mark.slow
def test_shortcut_is_learned_and_removing_the_artefact_drops_accuracy():
    res = clever_hans_experiment(1, seed=0, n_trials_per_class=40, n_epochs=40)
    # with a weak ERD the blinks are the best cue: the model learns them ...
    assert res["accuracy_with_artefact"] >= 0.75, res
    # ... and falls towards chance once the class-correlated blinks are gone
    assert res["accuracy_without_artefact"] <= res["accuracy_with_artefact"] - 0.2, res
    assert res["ch_names"][3:] == ["EOG1", "EOG2", "EOG3"]
    # on the same contaminated trials, the shortcut model puts more relevance on
    # the blink samples than a model trained without the shortcut
    assert res["blink_time_share"] > 1.2 * res["control_blink_time_share"], res
    for key in ("eog_share", "control_eog_share", "eog_share_occlusion"):
        assert 0.0 <= res[key] <= 1.0
