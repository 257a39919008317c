import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score, roc_auc_score

from eegxai.metrics import (
    REFERENCE_2B,
    decoding_metrics,
    decoding_table,
    mean_over_folds,
)


def test_binary_metrics_known_values():
    y = np.array([0, 0, 1, 1])
    proba = np.array([[0.9, 0.1], [0.4, 0.6], [0.3, 0.7], [0.2, 0.8]])
    m = decoding_metrics(y, proba)
    assert m["accuracy"] == 0.75
    # Balanced binary: kappa = 2 * accuracy - 1 (ANCHORS.md).
    assert m["kappa"] == pytest.approx(0.5)
    # Scores of class 1: negatives 0.1, 0.6; positives 0.7, 0.8 → all pairs ordered.
    assert m["roc_auc"] == 1.0
    assert m["confusion_matrix"] == [[1, 1], [0, 2]]
    assert m["n_trials"] == 4


def test_multiclass_matches_sklearn(rng):
    y = rng.integers(0, 4, 200)
    logits = rng.standard_normal((200, 4)) + 1.5 * np.eye(4)[y]
    proba = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    m = decoding_metrics(y, proba)
    pred = proba.argmax(1)
    assert m["accuracy"] == pytest.approx((pred == y).mean())
    assert m["kappa"] == pytest.approx(cohen_kappa_score(y, pred))
    assert m["roc_auc"] == pytest.approx(roc_auc_score(y, proba, multi_class="ovr"))
    assert np.trace(m["confusion_matrix"]) == (pred == y).sum()


def test_missing_class_gives_nan_auc_and_errors():
    m = decoding_metrics(np.array([1, 1]), np.array([[0.2, 0.8], [0.6, 0.4]]))
    assert np.isnan(m["roc_auc"]) and m["accuracy"] == 0.5
    with pytest.raises(ValueError, match="trials"):
        decoding_metrics(np.array([0, 1, 1]), np.ones((2, 2)) / 2)
    with pytest.raises(ValueError, match="0..1"):
        decoding_metrics(np.array([0, 2]), np.ones((2, 2)) / 2)
    with pytest.raises(ValueError, match="integer"):
        decoding_metrics(np.array([0.0, 1.0]), np.ones((2, 2)) / 2)


def test_mean_over_folds():
    a = {"accuracy": 1.0, "kappa": 1.0, "roc_auc": 1.0,
         "confusion_matrix": [[2, 0], [0, 2]], "n_trials": 4}
    b = {"accuracy": 0.5, "kappa": 0.0, "roc_auc": 0.5,
         "confusion_matrix": [[1, 1], [1, 1]], "n_trials": 4}
    m = mean_over_folds([a, b])
    assert m["accuracy"] == 0.75 and m["kappa"] == 0.5
    assert m["confusion_matrix"] == [[3, 1], [1, 3]] and m["n_trials"] == 8


def test_decoding_table_mean_sd():
    results = [
        {"subject": "1", "accuracy": 0.6, "kappa": 0.2, "roc_auc": 0.7},
        {"subject": "2", "accuracy": 0.8, "kappa": 0.6, "roc_auc": 0.9},
        {"subject": "3", "accuracy": 1.0, "kappa": 1.0, "roc_auc": 1.0},
    ]
    table = decoding_table(results)
    assert list(table.index) == ["1", "2", "3", "mean", "sd"]
    assert table.loc["mean", "accuracy"] == pytest.approx(0.8)
    assert table.loc["sd", "kappa"] == pytest.approx(np.std([0.2, 0.6, 1.0], ddof=1))
    assert table.attrs["formatted"]["accuracy"] == "0.800 ± 0.200"
    with pytest.raises(ValueError, match="lacks"):
        decoding_table([{"accuracy": 1.0}])
    with pytest.raises(ValueError, match="empty"):
        decoding_table([])


def test_reference_2b_is_consistent():
    winner = REFERENCE_2B["competition_winner"]
    assert len(winner["per_subject"]) == 9
    assert np.mean(list(winner["per_subject"].values())) == pytest.approx(
        winner["mean"], abs=0.005
    )


def test_chance_accuracy_binomial_threshold():
    from scipy.stats import binom

    from eegxai.metrics import chance_accuracy

    for n in (20, 45, 160):
        thr = chance_accuracy(n)
        k = round(thr * n)
        assert binom.sf(k - 1, n, 0.5) <= 0.05 < binom.sf(k - 2, n, 0.5)
    assert chance_accuracy(45) == pytest.approx(29 / 45)
    assert chance_accuracy(160) < chance_accuracy(45)
    assert chance_accuracy(90, 3) < chance_accuracy(90, 2)


def test_mean_over_folds_flags_above_chance():
    from eegxai.metrics import mean_over_folds

    good = {"accuracy": 0.9, "kappa": 0.8, "roc_auc": 0.95, "n_trials": 20,
            "confusion_matrix": [[9, 1], [1, 9]]}
    bad = {"accuracy": 0.55, "kappa": 0.1, "roc_auc": 0.5, "n_trials": 20,
           "confusion_matrix": [[6, 4], [5, 5]]}
    assert mean_over_folds([good, good])["above_chance"]
    res = mean_over_folds([bad, bad])
    assert not res["above_chance"]
    assert res["chance_accuracy_p05"] == pytest.approx(26 / 40)  # P(K>=26) = 0.040
