"""benchmarks/select_transfer_config.py: the configuration rule never sees a test trial.

The rule that picks the ConvNet settings of config/eegmmidb.yaml scores candidates
on the EXECUTED trials of each group's targets; the targets' IMAGINED trials are
the study's test trials and must reach no pre-training, fine-tuning, alignment
reference or prediction.
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from tests.expert.synthetic import make_trials

from .test_transfer import _hashes
from .test_workflow import REPO

pytestmark = pytest.mark.usefixtures("one_torch_thread")  # fixture in conftest.py


@pytest.fixture(scope="module")
def select():
    spec = importlib.util.spec_from_file_location(
        "select_transfer_config", REPO / "benchmarks" / "select_transfer_config.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _subject(seed, runs):
    X, y, _ = make_trials(12 * len(runs), n_times=160, erd=0.6, noise=0.7, seed=seed)
    return X, y, np.repeat(np.asarray(runs, str), 12)


def test_rule_scores_on_executed_trials_only(select, monkeypatch):
    runs = ["3", "4", "7", "8", "11", "12"]
    data = {f"sub-{s:02d}": _subject(s, runs) for s in range(1, 7)}
    data["sub-09"] = _subject(9, ["4", "8"])  # an imagery-only extra source
    extras = ["sub-09"]
    groups = select.subject_groups([s for s in data if s not in extras], 3)
    targets = groups[0]
    imagined = set().union(*(
        _hashes(X[~np.isin(run, select.EXECUTED_RUNS)])
        for s, (X, _, run) in data.items() if s in targets))
    seen = []

    def recording(func, *arrays_at):
        def wrapper(*args, **kwargs):
            for k in arrays_at:
                arg = args[k] if isinstance(k, int) else kwargs.get(k)
                if isinstance(arg, (list, tuple)):  # pretrain: (X, y) per source
                    for X, _ in arg:
                        seen.append(_hashes(X))
                elif arg is not None:
                    seen.append(_hashes(arg))
            return func(*args, **kwargs)
        return wrapper

    monkeypatch.setattr(select, "PRETRAIN", {"n_epochs": 2, "patience": 2, "batch_size": 16})
    monkeypatch.setattr(select, "pretrain", recording(select.pretrain, 0))
    monkeypatch.setattr(select, "fit_model", recording(select.fit_model, 0))
    monkeypatch.setattr(select, "predict_proba", recording(select.predict_proba, 1))
    monkeypatch.setattr(select, "euclidean_alignment",
                        recording(select.euclidean_alignment, 0, "reference"))
    candidate = {"align": True, "finetune": {
        "lr_scale": 0.1, "n_epochs": 2, "patience": 2, "batch_size": 16}}
    zero_shot, fine_tuned = select.score_candidate(
        data, candidate, model="shallow", n_groups=3, seed=0, groups=[0], n_folds=2,
        extras=extras)
    assert 0.0 <= zero_shot <= 1.0 and 0.0 <= fine_tuned <= 1.0
    assert seen, "nothing was recorded: the wrappers are not on the scoring path"
    sources_seen = set().union(*seen)
    assert not sources_seen & imagined, "a target's imagined (test) trial was used"
    # the other groups' subjects and the extra source are pre-training data, all runs
    assert _hashes(data["sub-09"][0]) <= sources_seen
    assert _hashes(data[groups[1][0]][0]) <= sources_seen
