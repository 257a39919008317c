"""Word deletion goes the right way on real models; EPI on planted clusters."""

import numpy as np
import pytest

from eegxai.text.deletion import aopc_accuracy, word_deletion
from eegxai.text.epi import explanatory_power, summary_vectors
from eegxai.text.relevance import word_relevance
from eegxai.text.training import predict_cnn


def test_padding_is_never_deleted():
    ids = np.array([[5, 6, 7, 0, 0]])
    seen = []

    def predict(batch):
        seen.append(batch.copy())
        return np.zeros((len(batch), 2))

    word_deletion(predict, ids, np.array([[0.1, 0.9, -0.5, 0.0, 0.0]]), np.array([0]),
                  order="descending", n_deleted=4)
    after = [b for b in seen if b.shape == ids.shape]
    assert after[1].tolist() == [[5, 0, 7, 0, 0]]  # most relevant first
    assert after[3].tolist() == [[0, 0, 0, 0, 0]]
    assert after[-1].tolist() == [[0, 0, 0, 0, 0]]  # capped at the 3 words
    with pytest.raises(ValueError, match="'order'"):
        word_deletion(predict, ids, ids * 1.0, np.array([0]), order="up", n_deleted=1)


def test_aopc_sign():
    assert aopc_accuracy([1.0, 0.5, 0.0], "correct") == pytest.approx(0.75)
    assert aopc_accuracy([0.0, 0.5, 1.0], "misclassified") == pytest.approx(0.75)


@pytest.mark.parametrize("model_name", ["svm", "cnn"])
def test_lrp_deletion_beats_random(subset, svm, cnn, model_name):
    ids, y = subset["ids_test"][:150], subset["test"].target[:150]
    if model_name == "svm":
        model, embedding, predict = svm, None, svm.decision_function
    else:
        model, embedding = cnn
        predict = lambda i: predict_cnn(model, i, embedding)  # noqa: E731
    correct = predict(ids).argmax(1) == y
    rel = word_relevance(model, ids, y, embedding=embedding).relevance
    c = np.flatnonzero(correct)
    lrp = word_deletion(predict, ids[c], rel[c], y[c], order="descending", n_deleted=6)
    rand = word_deletion(predict, ids[c], rel[c], y[c], order="random", n_deleted=6)
    assert lrp["accuracy"][0] == rand["accuracy"][0] == 1.0
    assert aopc_accuracy(lrp["accuracy"], "correct") > \
        aopc_accuracy(rand["accuracy"], "correct") + 0.05
    assert lrp["logit_aopc"] > rand["logit_aopc"]
    # misclassified: deleting the most negative words first raises the accuracy
    w = np.flatnonzero(~correct)
    if len(w) >= 3:
        up = word_deletion(predict, ids[w], rel[w], y[w], order="ascending", n_deleted=6)
        assert up["accuracy"][0] == 0.0 and up["accuracy"][-1] > 0.2


def test_epi_planted_clusters(rng):
    embedding = np.vstack([np.zeros((1, 3)), np.eye(3)])  # word k ↦ axis k
    y = np.repeat([0, 1], 40)
    ids = np.where(y[:, None] == 0, 1, 2) * np.ones((80, 4), int)
    ids[:, 2:] = 3  # a word shared by both classes
    informative = np.where(ids < 3, 1.0, 0.0)
    good = explanatory_power(summary_vectors(informative, ids, embedding), y, ks=[1, 5],
                             n_splits=2)
    shared = explanatory_power(summary_vectors(1.0 - informative, ids, embedding), y,
                               ks=[1, 5], n_splits=2)
    assert good["epi"] == 1.0
    assert shared["epi"] < 0.75  # every summary is the same vector
    vectors = summary_vectors(informative, ids, embedding)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0)
