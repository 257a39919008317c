"""Hyperparameters are chosen on the training split: SVM C by CV, CNN epoch by validation."""

import numpy as np
import pytest
import torch

from eegxai.text.models import select_svm_C
from eegxai.text.training import CNNParams, _validation_split, fit_cnn, predict_cnn


def test_svm_C_by_cv_rejects_an_underfitting_C(subset):
    train = subset["train"]
    C, table = select_svm_C(train.data, train.target, subset["vocab"].words,
                            C_grid=[1e-4, 0.5], n_folds=3)
    by_C = {row["C"]: row for row in table}
    # C = 1e-4 shrinks every weight to ~0: the fold accuracies fall towards the
    # majority share; C = 0.5 separates two newsgroups well
    assert C == 0.5
    assert by_C[0.5]["mean_accuracy"] > 0.85
    assert by_C[0.5]["mean_accuracy"] > by_C[1e-4]["mean_accuracy"] + 0.05
    for row in table:
        assert len(row["fold_accuracy"]) == 3
        assert row["mean_accuracy"] == pytest.approx(np.mean(row["fold_accuracy"]))


def test_early_stopping_returns_the_best_validation_epoch(subset):
    torch.set_num_threads(1)
    ids, y = subset["ids_train"], subset["train"].target
    params = CNNParams(n_filters=8, n_epochs=4, lr=3e-3, val_fraction=0.2, patience=4)
    model, embedding, history = fit_cnn(ids, y, subset["vocab"].embedding,
                                        params=params, seed=0)
    assert len(history) == 4 and all("val_accuracy" in h for h in history)
    chosen = [h for h in history if h["selected"]]
    assert len(chosen) == 1
    assert chosen[0]["val_accuracy"] == max(h["val_accuracy"] for h in history)
    # the returned weights and table are those of the selected epoch: they
    # reproduce its validation accuracy exactly
    fit_rows, val_rows = _validation_split(y, 0.2, 0)
    assert len(np.intersect1d(fit_rows, val_rows)) == 0
    assert len(fit_rows) + len(val_rows) == len(y)
    acc = np.mean(predict_cnn(model, ids[val_rows], embedding).argmax(1) == y[val_rows])
    assert acc == pytest.approx(chosen[0]["val_accuracy"])


def test_cnn_params_are_checked():
    with pytest.raises(ValueError, match="'cnn.val_fraction'"):
        CNNParams(val_fraction=1.0)
    with pytest.raises(ValueError, match="'cnn.word_dropout'"):
        CNNParams(word_dropout=-0.1)
    with pytest.raises(ValueError, match="patience"):
        CNNParams(patience=0)


def test_report_states_the_selection():
    from eegxai.text.report import _selection_text

    metrics = {"svm": {"cv": {"selected_C": 0.5, "n_folds": 3,
                              "table": [{"C": 0.1, "mean_accuracy": 0.7},
                                        {"C": 0.5, "mean_accuracy": 0.75}]}},
               "cnn": {"params": {"val_fraction": 0.1}, "selected_epoch": 7,
                       "history": [{}] * 12, "val_accuracy": 0.71}}
    text = _selection_text(metrics)
    assert "C = 0.5 chosen by 3-fold CV" in text and "0.5: 0.750" in text
    assert "epoch 7 of 12" in text and "10%" in text
