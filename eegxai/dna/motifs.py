"""Motifs from relevance, and their best JASPAR matches.

1. :func:`relevant_windows` — in every sequence the window of ``width`` bp with
   the largest summed relevance;
2. :func:`windows_to_pwm` — the windows aligned (shift and strand chosen per
   window to best fit the current motif, a few rounds, as in MEME-like
   refinement) and counted into a position probability matrix, with
   low-information flanks trimmed;
3. :func:`match_motif` — a TOMTOM-like comparison with every database motif:
   the Pearson correlation of aligned columns, summed over the overlap and
   divided by the query width, maximised over all offsets (overlap of at least
   ``min_overlap`` columns) and both strands of the database motif.

References
----------
.. [1] Gupta, S., Stamatoyannopoulos, J. A., Bailey, T. L. & Noble, W. S.
   (2007). Quantifying similarity between motifs. Genome Biology 8, R24
   (TOMTOM; column-wise Pearson correlation is one of its scores).
.. [2] Shrikumar, A. et al. (2018). Technical note on transcription factor
   motif discovery from importance scores (TF-MoDISco). arXiv:1811.00416.
.. [3] Schneider, T. D. & Stephens, R. M. (1990). Sequence logos. Nucleic
   Acids Research 18, 6097–6100 (information content).
"""

from __future__ import annotations

import numpy as np

from .._check import check_array, check_positive
from .jaspar import motif_probabilities
from .sequences import reverse_complement

__all__ = ["family_rank", "information_content", "match_motif", "relevant_windows",
           "windows_to_pwm"]


def relevant_windows(X, relevance, *, width: int = 20, margin: int = 5) -> np.ndarray:
    """One-hot windows around the most relevant stretch of each sequence.

    Parameters
    ----------
    X : ndarray, shape (n_sequences, 4, length)
        One-hot sequences.
    relevance : ndarray, shape (n_sequences, length)
        Relevance per position.
    width : int
        Window length (bp).
    margin : int
        Extra bases on each side (room for the alignment shifts); windows are
        zero-padded at the sequence ends.

    Returns
    -------
    windows : ndarray, shape (n_sequences, 4, width + 2 * margin)
    """
    X = check_array(X, "X", ndim=3)
    relevance = check_array(relevance, "relevance", ndim=2)
    check_positive(width, "width")
    length = X.shape[-1]
    if relevance.shape != (len(X), length) or width > length:
        raise ValueError(
            f"'relevance' must have shape {(len(X), length)} and 'width' <= {length}, "
            f"but got {relevance.shape} and {width}."
        )
    csum = np.concatenate([np.zeros((len(X), 1)), np.cumsum(relevance, axis=1)], axis=1)
    starts = (csum[:, width:] - csum[:, :-width]).argmax(axis=1)
    padded = np.pad(X, ((0, 0), (0, 0), (margin, margin)))
    idx = starts[:, None] + np.arange(width + 2 * margin)[None]
    return np.take_along_axis(padded, idx[:, None, :].repeat(4, axis=1), axis=2)


def information_content(ppm) -> np.ndarray:
    """Information content per column (bits), shape (width,)."""
    ppm = np.asarray(ppm, dtype=float)
    return 2.0 + (ppm * np.log2(np.clip(ppm, 1e-12, None))).sum(axis=0)


def _fit(window, log_ppm, width):
    """Best (score, shift, strand) of one padded window under a log-PPM."""
    best = (-np.inf, 0, False)
    for strand in (False, True):
        w = reverse_complement(window) if strand else window
        for s in range(window.shape[1] - width + 1):
            score = float((w[:, s : s + width] * log_ppm).sum())
            if score > best[0]:
                best = (score, s, strand)
    return best


def windows_to_pwm(windows, *, width: int = 20, n_rounds: int = 3,
                   pseudocount: float = 0.5, min_ic: float = 0.3) -> np.ndarray:
    """Aligned windows → position probability matrix (low-IC flanks trimmed).

    Parameters
    ----------
    windows : ndarray, shape (n_windows, 4, width + 2 * margin)
        From :func:`relevant_windows`.
    width : int
        Motif width before trimming.
    n_rounds : int
        Alignment rounds (each window re-placed at its best shift and strand).
    pseudocount : float
        Added to every count.
    min_ic : float
        Flanking columns with less information (bits) are trimmed.

    Returns
    -------
    ppm : ndarray, shape (4, trimmed_width)
    """
    windows = check_array(windows, "windows", ndim=3)
    margin = (windows.shape[2] - width) // 2
    aligned = windows[:, :, margin : margin + width]
    for _ in range(n_rounds):
        log_ppm = np.log(motif_probabilities(aligned.sum(axis=0), pseudocount))
        placed = []
        for w in windows:
            _, s, strand = _fit(w, log_ppm, width)
            w = reverse_complement(w) if strand else w
            placed.append(w[:, s : s + width])
        aligned = np.stack(placed)
    ppm = motif_probabilities(aligned.sum(axis=0), pseudocount)
    keep = np.flatnonzero(information_content(ppm) >= min_ic)
    if len(keep) == 0:
        return ppm
    return ppm[:, keep[0] : keep[-1] + 1]


def _standardized(ppm: np.ndarray) -> np.ndarray:
    """Columns centred and scaled to unit norm (constant columns stay 0)."""
    centred = ppm - ppm.mean(axis=0)
    norm = np.sqrt((centred**2).sum(axis=0))
    return centred / np.where(norm > 0, norm, 1.0)


def _similarity(query_z: np.ndarray, target: np.ndarray, min_overlap: int):
    """Best (score, offset, strand) of target against query over all alignments.

    ``C[i, j]`` is the Pearson correlation of query column ``i`` and target
    column ``j``; the alignment with the target's first column at query column
    ``off`` pairs ``(i, i - off)``, i.e. sums the diagonal ``-off`` of ``C``.
    """
    wq = query_z.shape[1]
    best = (-np.inf, 0, False)
    for strand in (False, True):
        t = reverse_complement(target) if strand else target
        wt = t.shape[1]
        need = min(min_overlap, wq, wt)
        C = query_z.T @ _standardized(t)
        for off in range(-(wt - need), wq - need + 1):
            score = float(np.trace(C, offset=-off)) / wq
            if score > best[0]:
                best = (score, off, strand)
    return best


def match_motif(ppm, motifs: list[dict], *, min_overlap: int = 5) -> list[dict]:
    """Database motifs ranked by similarity to ``ppm``.

    Parameters
    ----------
    ppm : ndarray, shape (4, width)
        Query position probability matrix (rows A, C, G, T).
    motifs : list of dict
        From :func:`eegxai.dna.jaspar.fetch_jaspar` (``counts`` rows A, C, G, T).
    min_overlap : int
        Fewest aligned columns.

    Returns
    -------
    matches : list of dict
        Best first: ``rank``, ``id``, ``name``, ``family``, ``score`` (in
        [-1, 1]; 1 = identical columns over the whole query), ``offset``
        (query column of the database motif's first column), ``reverse``
        (database motif reverse-complemented).
    """
    ppm = check_array(ppm, "ppm", ndim=2)
    if ppm.shape[0] != 4:
        raise ValueError(f"'ppm' must have 4 rows (A, C, G, T), but got {ppm.shape}.")
    rows = []
    query_z = _standardized(ppm)
    for m in motifs:
        score, off, rev = _similarity(query_z, motif_probabilities(m["counts"]),
                                      min_overlap)
        rows.append({"id": m["id"], "name": m["name"], "family": m.get("family", []),
                     "score": score, "offset": off, "reverse": rev})
    rows.sort(key=lambda r: -r["score"])
    for i, r in enumerate(rows, start=1):
        r["rank"] = i
    return rows


def family_rank(matches: list[dict], families) -> int | None:
    """Rank of the best match whose JASPAR family contains one of ``families``.

    Matching is case-insensitive on substrings (``"POU"`` matches
    ``"POU domain factors"``). None when no match belongs to the families.
    """
    wanted = [f.lower() for f in families]
    for m in matches:
        if any(w in fam.lower() for fam in m["family"] for w in wanted):
            return m["rank"]
    return None
