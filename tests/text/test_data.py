"""The offline loader returns fetch_20newsgroups' objects with the documented counts."""

import numpy as np
import pytest

from eegxai.text.data import N_TEST, N_TRAIN, load_20newsgroups

# 20NEWS_PROVENANCE.md, per-class table (train, test)
COUNTS = {
    "alt.atheism": (480, 319), "comp.graphics": (584, 389),
    "comp.os.ms-windows.misc": (591, 394), "comp.sys.ibm.pc.hardware": (590, 392),
    "comp.sys.mac.hardware": (578, 385), "comp.windows.x": (593, 395),
    "misc.forsale": (585, 390), "rec.autos": (594, 396), "rec.motorcycles": (598, 398),
    "rec.sport.baseball": (597, 397), "rec.sport.hockey": (600, 399),
    "sci.crypt": (595, 396), "sci.electronics": (591, 393), "sci.med": (594, 396),
    "sci.space": (593, 394), "soc.religion.christian": (599, 398),
    "talk.politics.guns": (546, 364), "talk.politics.mideast": (564, 376),
    "talk.politics.misc": (465, 310), "talk.religion.misc": (377, 251),
}


@pytest.mark.parametrize("subset, column, total", [("train", 0, N_TRAIN),
                                                   ("test", 1, N_TEST)])
def test_counts_match_provenance(news_home, subset, column, total):
    bunch = load_20newsgroups(news_home, subset=subset, remove=())
    assert len(bunch.data) == len(bunch.filenames) == total
    assert bunch.target_names == sorted(COUNTS)
    counts = np.bincount(bunch.target, minlength=20)
    assert counts.tolist() == [COUNTS[name][column] for name in bunch.target_names]
    assert sum(c[column] for c in COUNTS.values()) == total
    assert bunch.DESCR.startswith(".. _20newsgroups_dataset:")


def test_same_objects_as_scikit_learn_docs(news_home):
    # numbers quoted in scikit-learn's fetch_20newsgroups docstring
    train = load_20newsgroups(news_home, subset="train", remove=())
    assert train.target[:10].tolist() == [7, 4, 4, 1, 14, 16, 13, 3, 2, 4]
    pair = load_20newsgroups(news_home, subset="train", remove=(),
                             categories=["alt.atheism", "sci.space"])
    assert pair.filenames.shape == (1073,)
    assert pair.target[:10].tolist() == [0, 1, 1, 1, 0, 1, 1, 0, 0, 0]


def test_remove_uses_scikit_learn_stripping(subset, news_home):
    from sklearn.datasets._twenty_newsgroups import strip_newsgroup_header

    raw = load_20newsgroups(news_home, subset="test", remove=(),
                            categories=["alt.atheism", "sci.space"])
    assert raw.data[0].startswith("From:")
    clean = subset["test"].data
    assert len(clean) == len(raw.data)
    assert sum(doc.startswith("From:") for doc in clean) < 0.02 * len(clean)
    headerless = load_20newsgroups(news_home, subset="test", remove=("headers",),
                                   categories=["alt.atheism", "sci.space"])
    assert headerless.data[3] == strip_newsgroup_header(raw.data[3])
    assert clean[3] != headerless.data[3]  # quotes and footers removed as well


def test_bad_arguments(news_home):
    with pytest.raises(ValueError, match="'subset'"):
        load_20newsgroups(news_home, subset="validation")
    with pytest.raises(ValueError, match="'remove'"):
        load_20newsgroups(news_home, remove=("signature",))
