"""Fixtures of the text tests: the offline 20 Newsgroups cache and small models.

The cache (scikit-learn's ``.pkz``, built from the shipped archive) is made once
per session; models are fitted on a two-class subset with short documents so
that every test file stays within a few seconds.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from eegxai.text.data import default_archive

CATEGORIES = ["alt.atheism", "sci.space"]
MAX_WORDS = 100


@pytest.fixture(scope="session")
def news_home():
    """scikit-learn's cache built from the shipped archive, kept between sessions.

    Building it means extracting 18,846 files (tens of seconds on a busy
    machine), so it lives in ``$EEGXAI_TEST_DATA`` (default
    ``~/.cache/eegxai/20news``); the build is atomic and safe for parallel workers.
    """
    if not default_archive().is_file():  # pragma: no cover
        pytest.skip("20news-bydate.tar.gz not found beside the checkout")
    from eegxai.text.data import prepare_20newsgroups

    home = Path(os.environ.get("EEGXAI_TEST_DATA",
                               Path.home() / ".cache" / "eegxai" / "20news"))
    prepare_20newsgroups(home)
    return home


@pytest.fixture(scope="session")
def subset(news_home):
    """Two-class clean subset: texts, labels, vocabulary and token ids."""
    from eegxai.text.data import load_20newsgroups
    from eegxai.text.vocabulary import build_vocabulary

    train = load_20newsgroups(news_home, subset="train", categories=CATEGORIES)
    test = load_20newsgroups(news_home, subset="test", categories=CATEGORIES)
    vocab = build_vocabulary(train.data)
    return {"train": train, "test": test, "vocab": vocab,
            "ids_train": vocab.encode(train.data, MAX_WORDS),
            "ids_test": vocab.encode(test.data, MAX_WORDS)}


@pytest.fixture(scope="session")
def svm(subset):
    from eegxai.text.models import fit_svm

    return fit_svm(subset["train"].data, subset["train"].target, subset["vocab"].words)


@pytest.fixture(scope="session")
def cnn(subset):
    """A small CNN trained for two epochs (model, tuned embedding)."""
    import torch

    from eegxai.text.training import CNNParams, fit_cnn

    torch.set_num_threads(1)
    model, embedding, _ = fit_cnn(subset["ids_train"], subset["train"].target,
                                  subset["vocab"].embedding,
                                  params=CNNParams(n_filters=16, n_epochs=3, lr=3e-3),
                                  seed=0)
    return model, embedding


@pytest.fixture()
def rng():
    return np.random.default_rng(0)
