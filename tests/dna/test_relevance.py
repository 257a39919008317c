"""Nucleotide relevance: mutagenesis closed form, planted-motif mass accuracy."""

import numpy as np
import pytest
import torch
from torch import nn

from eegxai.dna.model import DeepBind
from eegxai.dna.relevance import mutagenesis, nucleotide_relevance, per_position
from eegxai.dna.sequences import one_hot
from eegxai.dna.simulate import plant_motif
from eegxai.evaluate import relevance_mass_accuracy, relevance_rank_accuracy

CONSENSUS = "CCGCGAGGGGGCGC"  # 14 bp, CTCF-like


def _detector(width: int = 14) -> DeepBind:
    """A DeepBind net whose single filter detects CONSENSUS (+1 match, -1 mismatch)."""
    torch.manual_seed(0)
    net = DeepBind(n_filters=1, kernel_size=width, dropout=0.0)
    with torch.no_grad():
        net.conv.weight[:] = torch.as_tensor(2 * one_hot([CONSENSUS])[0] - 1)
        net.conv.bias[:] = -(width - 4.0)  # fires only for <= 2 mismatches
        net.dense.weight[:] = torch.tensor([[-1.0], [1.0]])
        net.dense.bias[:] = torch.tensor([0.5, -0.5])
    return net.eval()


def test_mutagenesis_matches_the_closed_form_of_a_linear_model():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(4 * 12, 2))
    X = one_hot(["ACGTTGCAAGCT", "GGGGCCCCAATT"])
    R = mutagenesis(model, X, target=1)
    W = model[1].weight[1].detach().numpy().reshape(4, 12)
    ref = X.argmax(axis=1)
    for i in range(2):
        for p in range(12):
            alts = [b for b in range(4) if b != ref[i, p]]
            expected = W[ref[i, p], p] - W[alts, p].mean()
            assert R[i, ref[i, p], p] == pytest.approx(expected, abs=1e-5)
    assert (R * (1 - X) == 0).all()  # relevance only on the present nucleotide


def test_mass_accuracy_on_a_small_planted_case():
    ppm = 0.01 + 0.96 * one_hot([CONSENSUS])[0]
    data = plant_motif(ppm / ppm.sum(axis=0), n_sequences=40, length=100,
                       both_strands=False, seed=0)
    pos = data["y"] == 1
    X, mask = data["X"][pos], data["mask"][pos][:, None]
    assert mask.sum(axis=2).ravel().tolist() == [14] * int(pos.sum())
    model = _detector()
    with torch.no_grad():
        logits = model(torch.as_tensor(data["X"]))
    assert (logits.argmax(1).numpy() == data["y"]).mean() > 0.9  # the detector works
    chance = 14 / 100
    for method in ("lrp", "gradient_x_input", "mutagenesis"):
        track = per_position(nucleotide_relevance(model, X, method))[:, None]
        rma = relevance_mass_accuracy(track, mask)
        rra = relevance_rank_accuracy(track, mask)
        assert np.nanmean(rma) > 0.8, method
        assert np.nanmean(rra) > 0.5, method
    # a relevance unrelated to the motif stays near chance
    noise = np.random.default_rng(0).random(track.shape)
    assert abs(relevance_mass_accuracy(noise, mask).mean() - chance) < 0.05


@pytest.mark.filterwarnings("ignore:Biases and stabilisers absorb")
def test_lrp_on_deepbind_is_conservative():
    from eegxai.explain import explain

    model = _detector()
    X = plant_motif(np.full((4, 14), 0.25), n_sequences=6, length=60, seed=1)["X"]
    X[:, :, 10:24] = one_hot([CONSENSUS])[0]
    R, bias = explain(model, X, method="lrp", composite="epsilon", target=1,
                      return_bias_relevance=True, device="cpu")
    with torch.no_grad():
        logit = model(torch.as_tensor(X))[:, 1].numpy()
    np.testing.assert_allclose(R.sum(axis=(1, 2)) + bias, logit, atol=1e-4)
    # the max-pool routes all input relevance through the planted window
    inside = per_position(R)[:, 10:24].sum(axis=1)
    np.testing.assert_allclose(inside, per_position(R).sum(axis=1), atol=1e-5)
