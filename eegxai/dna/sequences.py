"""DNA sequences: FASTA parsing and one-hot encoding.

One-hot layout: ``(n_sequences, 4, length)`` with channels ``A, C, G, T``
(:data:`ALPHABET`), the layout of a ``torch.nn.Conv1d`` input.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .._check import check_array, validate_type

__all__ = ["ALPHABET", "decode", "one_hot", "parse_fasta", "read_fasta",
           "reverse_complement"]

#: Nucleotides, in the order of the one-hot channels.
ALPHABET = "ACGT"
_INDEX = {c: i for i, c in enumerate(ALPHABET)}


def parse_fasta(text: str, *, source: str = "<string>") -> tuple[list[str], list[str]]:
    """Records of a FASTA text: names and upper-case sequences.

    Soft-masked (lower-case) bases are upper-cased. Sequence lines of a record
    are joined.

    Parameters
    ----------
    text : str
        FASTA content.
    source : str
        Name of the file, used in error messages.

    Returns
    -------
    names : list of str
        Header of each record (without ``>``).
    sequences : list of str
        Sequence of each record, letters of :data:`ALPHABET` only.

    Raises
    ------
    ValueError
        When the text has no record, a sequence line comes before any header,
        a record is empty, or a record holds a letter other than A, C, G, T
        (the message names the record, the line and the letter).
    """
    validate_type(text, str, "text")
    names: list[str] = []
    chunks: list[list[str]] = []
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith(">"):
            names.append(line[1:].strip() or f"<unnamed record at line {lineno}>")
            chunks.append([])
            continue
        if not names:
            raise ValueError(
                f"{source}: line {lineno} holds sequence data before the first "
                f"'>' header; is this a FASTA file?"
            )
        seq = line.upper()
        bad = set(seq) - set(ALPHABET)
        if bad:
            letter = sorted(bad)[0]
            raise ValueError(
                f"{source}: record {names[-1]!r} (line {lineno}) holds the letter "
                f"{letter!r}; only {', '.join(ALPHABET)} are allowed."
            )
        chunks[-1].append(seq)
    if not names:
        raise ValueError(f"{source}: no FASTA record (no line starting with '>').")
    sequences = ["".join(c) for c in chunks]
    for name, seq in zip(names, sequences, strict=True):
        if not seq:
            raise ValueError(f"{source}: record {name!r} has an empty sequence.")
    return names, sequences


def read_fasta(path: str | os.PathLike) -> tuple[list[str], list[str]]:
    """:func:`parse_fasta` of a file."""
    path = Path(path)
    return parse_fasta(path.read_text(), source=str(path))


def one_hot(sequences, *, names=None) -> np.ndarray:
    """One-hot encode sequences of equal length.

    Parameters
    ----------
    sequences : list of str, length n_sequences
        Letters of :data:`ALPHABET` (any case).
    names : list of str | None
        Record names, used in error messages.

    Returns
    -------
    X : ndarray of float32, shape (n_sequences, 4, length)
    """
    if isinstance(sequences, str):
        raise TypeError("'sequences' must be a list of strings, not one string.")
    sequences = [s.upper() for s in sequences]
    if not sequences:
        raise ValueError("'sequences' must hold at least one sequence.")
    names = list(names) if names is not None else [f"#{i}" for i in range(len(sequences))]
    length = len(sequences[0])
    lut = np.full(256, 255, dtype=np.uint8)
    for c, i in _INDEX.items():
        lut[ord(c)] = i
    idx = np.empty((len(sequences), length), dtype=np.uint8)
    for k, (name, seq) in enumerate(zip(names, sequences, strict=True)):
        if len(seq) != length:
            raise ValueError(
                f"All sequences must have the same length ({length}, as the first), "
                f"but record {name!r} has length {len(seq)}."
            )
        codes = lut[np.frombuffer(seq.encode("ascii", "replace"), dtype=np.uint8)]
        if (codes == 255).any():
            letter = seq[int(np.argmax(codes == 255))]
            raise ValueError(
                f"Record {name!r} holds the letter {letter!r}; only "
                f"{', '.join(ALPHABET)} are allowed."
            )
        idx[k] = codes
    return np.eye(4, dtype=np.float32)[idx].transpose(0, 2, 1).copy()


def decode(X) -> list[str]:
    """Sequences of a one-hot array ``(n, 4, length)`` (argmax per position)."""
    X = check_array(X, "X", ndim=3)
    letters = np.array(list(ALPHABET))
    return ["".join(row) for row in letters[X.argmax(axis=1)]]


def reverse_complement(X) -> np.ndarray:
    """Reverse complement of one-hot sequences or of a PWM.

    ``X`` of shape ``(n, 4, length)`` or ``(4, length)``: with channels A, C, G,
    T, the complement reverses the channel axis and the strand reverses the
    position axis.
    """
    X = np.asarray(X)
    return X[..., ::-1, ::-1].copy()
