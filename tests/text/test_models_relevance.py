"""Both models on real posts; word relevance conserves the score (closed forms)."""

import numpy as np
import pytest
import torch

from eegxai.text.models import TextCNN
from eegxai.text.relevance import svm_word_relevance, word_relevance
from eegxai.text.training import predict_cnn
from eegxai.text.vocabulary import embed


def test_svm_id_path_equals_scikit_learn(subset, svm):
    from sklearn.feature_extraction.text import TfidfVectorizer

    from eegxai.text.tokenize import tokenize

    docs = subset["test"].data[:50]
    vec = TfidfVectorizer(analyzer=tokenize, sublinear_tf=True,
                          vocabulary={w: i for i, w in enumerate(subset["vocab"].words)})
    vec.fit(subset["train"].data)
    np.testing.assert_allclose(vec.idf_, svm.idf)
    expected = vec.transform(docs) @ svm.coef.T + svm.intercept
    np.testing.assert_allclose(svm.decision_function_texts(docs, subset["vocab"].words),
                               expected, atol=1e-10)
    ids = subset["vocab"].encode(docs, 100_000)  # no cap: the same counts
    np.testing.assert_allclose(svm.decision_function(ids), expected, atol=1e-10)


def test_models_beat_chance_on_real_posts(subset, svm, cnn):
    y = subset["test"].target
    svm_acc = np.mean(svm.decision_function(subset["ids_test"]).argmax(1) == y)
    model, embedding = cnn
    cnn_acc = np.mean(predict_cnn(model, subset["ids_test"], embedding).argmax(1) == y)
    assert svm_acc > 0.85  # two newsgroups, chance 0.5
    assert cnn_acc > 0.75


def test_svm_lrp_is_w_times_x(subset, svm):
    ids = subset["ids_test"][:20]
    target = np.arange(20) % 2
    res = svm_word_relevance(svm, ids, target)
    np.testing.assert_allclose(res.relevance.sum(1) + res.bias, res.score, atol=1e-10)
    np.testing.assert_allclose(res.bias, svm.intercept[target])
    # per word: occurrences together carry W_cw x_w
    X = svm.features(ids[:1]).toarray()[0]
    w = ids[0][ids[0] > 0][0]
    mask = ids[0] == w
    np.testing.assert_allclose(res.relevance[0, mask].sum(), svm.coef[0, w - 1] * X[w - 1])
    sens = svm_word_relevance(svm, ids, target, method="sensitivity")
    np.testing.assert_allclose(sens.relevance[0, mask], svm.coef[0, w - 1] ** 2)


def test_svm_lrp_matches_core_lrp_on_a_linear_layer(subset, svm):
    from eegxai.explain import explain

    ids = subset["ids_test"][:5]
    X = svm.features(ids).toarray()
    layer = torch.nn.Linear(X.shape[1], 2).double()
    with torch.no_grad():
        layer.weight.copy_(torch.as_tensor(svm.coef))
        layer.bias.copy_(torch.as_tensor(svm.intercept))
    target = np.zeros(5, dtype=int)
    R = explain(layer, X, method="lrp", composite="epsilon", target=target,
                device="cpu", epsilon=1e-12)
    ours = svm_word_relevance(svm, ids, target).relevance
    per_word = np.stack([np.bincount(ids[d], ours[d], minlength=X.shape[1] + 1)[1:]
                         for d in range(5)])
    z = (X @ svm.coef[0] + svm.intercept[0])[:, None]
    # LRP-ε on one linear layer: R_i = x_i w_i · z / (z + ε) — with bias in z
    np.testing.assert_allclose(R, per_word * z / (z + 1e-12), rtol=1e-6, atol=1e-12)


@pytest.mark.filterwarnings("ignore:Biases and stabilisers absorb")  # random weights
@pytest.mark.parametrize("seed", [0, 1])
def test_cnn_lrp_conserves_per_word(seed):
    torch.manual_seed(seed)
    model = TextCNN(3, n_dims=6, n_filters=5).double().eval()
    rng = np.random.default_rng(seed)
    embedding = np.vstack([np.zeros((1, 6)), rng.normal(size=(30, 6))])
    ids = rng.integers(1, 31, size=(7, 12))
    ids[:, 9:] = 0  # padding
    ids[0, 2:] = 0  # a document shorter than the widest filter's span
    target = rng.integers(0, 3, size=7)
    res = word_relevance(model, ids, target, embedding=embedding)
    with torch.no_grad():
        logits = model(torch.as_tensor(embed(ids, embedding))).numpy()
    np.testing.assert_allclose(res.score, logits[np.arange(7), target], atol=1e-12)
    # Σ over words + bias share = logit
    np.testing.assert_allclose(res.relevance.sum(1) + res.bias, res.score, atol=1e-9)
    assert np.all(res.relevance[ids == 0] == 0)
    assert np.any(res.bias != 0)


def test_cnn_scores_do_not_depend_on_padding():
    torch.manual_seed(0)
    model = TextCNN(3, n_dims=5, n_filters=4).double().eval()
    x = torch.randn(2, 5, 6, dtype=torch.float64)
    padded = torch.nn.functional.pad(x, (0, 20))
    with torch.no_grad():
        torch.testing.assert_close(model(x), model(padded), rtol=0, atol=1e-12)
        torch.testing.assert_close(model(x[:, :, :1]),
                                   model(torch.nn.functional.pad(x[:, :, :1], (0, 3))))


def test_cnn_sensitivity_is_squared_gradient_per_word():
    torch.manual_seed(0)
    model = TextCNN(2, n_dims=4, n_filters=3).double().eval()
    rng = np.random.default_rng(0)
    embedding = np.vstack([np.zeros((1, 4)), rng.normal(size=(10, 4))])
    ids = rng.integers(1, 11, size=(2, 8))
    res = word_relevance(model, ids, np.array([0, 1]), method="sensitivity",
                         embedding=embedding)
    x = torch.as_tensor(embed(ids, embedding)).requires_grad_(True)
    model(x)[torch.arange(2), torch.tensor([0, 1])].sum().backward()
    np.testing.assert_allclose(res.relevance, (x.grad**2).sum(1).numpy(), atol=1e-12)


def test_bad_method():
    model = TextCNN(2, n_dims=4, n_filters=3)
    with pytest.raises(ValueError, match="'method'"):
        word_relevance(model, np.ones((1, 5), int), np.zeros(1, int), method="shap",
                       embedding=np.zeros((2, 4)))
