"""Motif recovery from windows and TOMTOM-like JASPAR matching."""

import numpy as np
import pytest

from eegxai.dna.jaspar import fetch_jaspar, motif_probabilities
from eegxai.dna.motifs import family_rank, match_motif, relevant_windows, windows_to_pwm
from eegxai.dna.sequences import reverse_complement
from eegxai.dna.simulate import plant_motif


@pytest.fixture(scope="module")
def jaspar():
    return fetch_jaspar("JASPAR2024")


def test_known_pwm_matches_itself_at_rank_1(jaspar):
    assert len(jaspar) > 800
    motif = next(m for m in jaspar if m["id"] == "MA0142.1")  # Pou5f1::Sox2
    ppm = motif_probabilities(motif["counts"])
    matches = match_motif(ppm, jaspar)
    assert matches[0]["id"] == "MA0142.1" and matches[0]["rank"] == 1
    assert matches[0]["score"] == pytest.approx(1.0)
    assert family_rank(matches, ["POU", "SOX"]) == 1
    # the reverse strand is found as the reverse complement of the same motif
    rc = match_motif(reverse_complement(ppm), jaspar)[0]
    assert rc["id"] == "MA0142.1" and rc["reverse"]
    # a shorter piece matches at its offset
    mafk = next(m for m in jaspar if m["name"].upper() == "MAFK")
    piece = motif_probabilities(mafk["counts"])[:, 2:12]
    best = match_motif(piece, jaspar)
    assert family_rank(best, ["Maf"]) <= 3


def test_relevant_windows_recover_a_planted_motif_on_both_strands(jaspar):
    motif = next(m for m in jaspar if m["id"] == "MA0139.2")  # CTCF
    ppm = motif_probabilities(motif["counts"])
    data = plant_motif(ppm, n_sequences=120, length=80, seed=0)
    pos = data["y"] == 1
    relevance = data["mask"][pos] + 0.1 * np.random.default_rng(0).random(data["mask"][pos].shape)
    windows = relevant_windows(data["X"][pos], relevance, width=15, margin=3)
    assert windows.shape == (pos.sum(), 4, 21)
    recovered = windows_to_pwm(windows, width=15, n_rounds=3)
    top = match_motif(recovered, jaspar)[:3]
    assert "MA0139.2" in [m["id"] for m in top]
