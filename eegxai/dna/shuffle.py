"""Altschul–Erickson dinucleotide shuffle: same dinucleotide counts, new order.

Negatives for a binding model must keep the peaks' low-order composition (GC
content, CpG depletion), or the model learns composition, not motifs. A
sequence is an Eulerian walk in the multigraph whose vertices are letters and
whose edges are its dinucleotides; every other Eulerian walk from the same first
letter has exactly the same dinucleotide counts. Altschul & Erickson (1985)
draw one at random: choose, for every vertex but the last letter, a random
*last exit edge* such that these edges form a tree directed to the last letter
(otherwise the walk gets stuck), shuffle the remaining exit edges of every
vertex, and walk.

Written here because no maintained Python package on the dependency list
provides it (MEME's ``fasta-shuffle-letters`` is a C program; a much-copied
Python version returned its input unchanged when the tree step was skipped).

References
----------
.. [1] Altschul, S. F. & Erickson, B. W. (1985). Significance of nucleotide
   sequence alignments: a method for random sequence permutation that preserves
   dinucleotide and codon usage. Mol. Biol. Evol. 2(6), 526–538.
.. [2] Kandel, D. et al. (1996). Shuffling biological sequences. Discrete
   Applied Mathematics 71, 171–185.
"""

from __future__ import annotations

from collections import Counter

from .._check import check_random_state, validate_type

__all__ = ["dinucleotide_counts", "dinucleotide_shuffle", "shuffle_sequences"]


def dinucleotide_counts(seq: str) -> Counter:
    """Counts of the overlapping dinucleotides of ``seq``."""
    return Counter(seq[i : i + 2] for i in range(len(seq) - 1))


def _random_last_edges(edges: dict, last: str, rng) -> dict:
    """A random last-exit edge per vertex forming a tree directed to ``last``.

    Rejection sampling (Altschul & Erickson 1985): pick a random exit edge of
    every vertex but ``last`` and accept when every vertex reaches ``last``.
    """
    vertices = [v for v in edges if v != last and edges[v]]
    while True:
        choice = {v: edges[v][rng.integers(len(edges[v]))] for v in vertices}
        reaches = {last}
        for v in vertices:
            path, u = [], v
            while u not in reaches and u not in path:
                path.append(u)
                u = choice[u]
            if u in reaches:
                reaches.update(path)
            else:
                break  # a cycle that avoids `last`
        else:
            return choice


def dinucleotide_shuffle(seq: str, seed=None) -> str:
    """A random sequence with exactly the dinucleotide counts of ``seq``.

    Parameters
    ----------
    seq : str
        Input sequence (any alphabet).
    seed : int | numpy.random.Generator | None
        Randomness.

    Returns
    -------
    shuffled : str
        Same length, first and last letter and dinucleotide counts as ``seq``.
        Sequences with a single Eulerian walk (e.g. ``"ACGT"``) come back
        unchanged: no other sequence has their counts.
    """
    validate_type(seq, str, "seq")
    rng = check_random_state(seed)
    if len(seq) <= 2:
        return seq
    edges: dict[str, list[str]] = {}
    for a, b in zip(seq[:-1], seq[1:], strict=True):
        edges.setdefault(a, []).append(b)
        edges.setdefault(b, [])
    last = seq[-1]
    last_edge = _random_last_edges(edges, last, rng)
    order: dict[str, list[str]] = {}
    for v, out in edges.items():
        rest = list(out)
        if v in last_edge:
            rest.remove(last_edge[v])
        rest = [rest[i] for i in rng.permutation(len(rest))]
        if v in last_edge:
            rest.append(last_edge[v])
        order[v] = rest[::-1]  # pop() from the end = walk from the front
    walk = [seq[0]]
    for _ in range(len(seq) - 1):
        walk.append(order[walk[-1]].pop())
    return "".join(walk)


def shuffle_sequences(sequences, seed=None) -> list[str]:
    """:func:`dinucleotide_shuffle` of every sequence (one shared generator)."""
    rng = check_random_state(seed)
    return [dinucleotide_shuffle(s, rng) for s in sequences]
