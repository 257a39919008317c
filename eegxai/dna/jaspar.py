"""JASPAR motifs offline (``pyjaspar``'s bundled sqlite databases).

References
----------
.. [1] Rauluseviciute, I. et al. (2024). JASPAR 2024: 20th anniversary of the
   open-access database of transcription factor binding profiles. Nucleic Acids
   Research 52(D1), D174–D182.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .._check import validate_type
from .._io import read_json, write_json

__all__ = ["fetch_jaspar", "load_motifs", "motif_probabilities", "save_motifs"]


def fetch_jaspar(release: str = "JASPAR2024", *, collection: str = "CORE",
                 tax_group: str = "vertebrates") -> list[dict]:
    """Latest version of every motif of a JASPAR collection and taxon.

    Parameters
    ----------
    release : str
        A release bundled with ``pyjaspar`` (e.g. ``"JASPAR2024"``).
    collection, tax_group : str
        JASPAR collection and taxonomic group.

    Returns
    -------
    motifs : list of dict
        ``id``, ``name``, ``family`` (list of str), ``tf_class`` (list of
        str), ``counts`` (list of 4 lists, rows A, C, G, T).
    """
    from pyjaspar import jaspardb

    validate_type(release, str, "release")
    releases = jaspardb().get_releases()
    if release not in releases:
        raise ValueError(
            f"Invalid value for the 'release' parameter. Allowed values are "
            f"{', '.join(map(repr, releases))}, but got {release!r} instead."
        )
    db = jaspardb(release=release)
    out = []
    for m in db.fetch_motifs(collection=collection, tax_group=[tax_group]):
        out.append({"id": m.matrix_id, "name": m.name,
                    "family": list(m.tf_family or []), "tf_class": list(m.tf_class or []),
                    "counts": [[float(v) for v in m.counts[b]] for b in "ACGT"]})
    return out


def save_motifs(path: str | os.PathLike, motifs: list[dict], **meta) -> Path:
    """Write motifs (from :func:`fetch_jaspar`) as JSON, atomically."""
    return write_json(path, {"motifs": motifs, **meta})


def load_motifs(path: str | os.PathLike) -> list[dict]:
    """Motifs written by :func:`save_motifs`."""
    return read_json(path)["motifs"]


def motif_probabilities(counts, pseudocount: float = 0.5) -> np.ndarray:
    """Position probability matrix ``(4, width)`` from counts (with pseudocounts)."""
    counts = np.asarray(counts, dtype=float) + pseudocount
    return counts / counts.sum(axis=0, keepdims=True)
