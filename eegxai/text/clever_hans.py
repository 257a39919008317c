"""Clever Hans in text: do models trained on posts with headers read them.

A news post's header names the sender, their organisation and e-mail domain
(``From: lioness@maple.circa.ufl.edu``), posting hosts and the length of the
post — shortcuts to the label that say little about the topic (Lapuschkin et
al. 2019 call such predictors "Clever Hans"). The "bydate" release of 20
Newsgroups has already dropped the ``Newsgroups:``, ``Path:`` and ``Xref:``
lines (the most direct leaks); ``From:``, ``Subject:``, ``Organization:`` and
``Lines:`` remain (20NEWS_PROVENANCE.md). Two measurements, for a model trained
with headers kept and for the clean model (headers removed), both on the same
test posts with headers:

- the share of the absolute word relevance that falls on header tokens, and on
  each header field (``Newsgroups:`` and ``Path:`` too, where a corpus has
  them), and on e-mail addresses and host names in the header (``address``);
- the accuracy lost when the headers are removed at test time.

References
----------
.. [1] Lapuschkin, S. et al. (2019). Unmasking Clever Hans predictors and
   assessing what machines really learn. Nature Communications 10, 1096.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

__all__ = ["HEADER_PARTS", "header_parts", "header_relevance_share"]

#: Token labels of :func:`header_parts` (0 = body; 1 = a header line not listed).
HEADER_PARTS = {"header": 1, "from": 2, "subject": 3, "organization": 4, "lines": 5,
                "newsgroups": 6, "path": 7, "address": 8}
#: E-mail addresses and host names (at least three dot-separated labels).
_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
                      r"|\b[A-Za-z][\w-]*(?:\.[A-Za-z][\w-]*){2,}\b")
_LINE = {name: re.compile(rf"^{name}:.*$", re.M | re.I)
         for name in ("from", "subject", "organization", "lines", "newsgroups", "path")}


def _header_end(doc: str) -> int:
    """Where the header ends: the first blank line (scikit-learn's rule)."""
    pos = doc.find("\n\n")
    return 0 if pos < 0 else pos


def header_parts(docs: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]],
                 max_words: int) -> np.ndarray:
    """Label every kept token with :data:`HEADER_PARTS` (0 = body).

    A token inside an e-mail address or host name of the header is labelled
    ``address`` whatever line it is on.

    Parameters
    ----------
    docs : list of str, n_docs
        Raw posts (headers kept).
    spans : list of list of (int, int)
        Character offsets of the kept tokens
        (``Vocabulary.encode(..., return_spans=True)``).
    max_words : int
        Width of the id arrays.

    Returns
    -------
    parts : ndarray of int8, shape (n_docs, max_words)
    """
    parts = np.zeros((len(docs), max_words), dtype=np.int8)
    for d, (doc, doc_spans) in enumerate(zip(docs, spans, strict=True)):
        end = _header_end(doc)
        header = doc[:end]
        regions = [(HEADER_PARTS[name], m.span())
                   for name, pattern in _LINE.items() for m in pattern.finditer(header)]
        regions += [(HEADER_PARTS["address"], m.span())
                    for m in _ADDRESS.finditer(header)]  # last: overrides the line
        for t, (start, stop) in enumerate(doc_spans):
            if start >= end:
                break
            parts[d, t] = HEADER_PARTS["header"]
            for label, (a, b) in regions:
                if a <= start and stop <= b:
                    parts[d, t] = label
    return parts


def header_relevance_share(relevance: np.ndarray, parts: np.ndarray,
                           ids: np.ndarray) -> dict:
    """Mean share of |relevance| per header part, over documents.

    Parameters
    ----------
    relevance : ndarray, shape (n_docs, n_words)
        Word relevance.
    parts : ndarray of int, shape (n_docs, n_words)
        From :func:`header_parts`.
    ids : ndarray of int, shape (n_docs, n_words)
        Token ids (0 = no word).

    Returns
    -------
    shares : dict
        ``header`` (all header tokens), one entry per header part,
        ``metadata`` (header tokens outside the Subject line; each a float in
        [0, 1]) and ``token_share`` (share of tokens in the header, the level
        expected if relevance ignored position).
    """
    magnitude = np.abs(relevance)
    total = magnitude.sum(1)
    ok = total > 0
    share = {}
    masks = {name: parts >= 1 if name == "header" else parts == label
             for name, label in HEADER_PARTS.items()}
    # the header without its Subject line: the fields that name the sender, not
    # the topic (the Subject is topical text the clean model also uses)
    masks["metadata"] = (parts >= 1) & (parts != HEADER_PARTS["subject"])
    for name, mask in masks.items():
        share[name] = float(np.mean((magnitude * mask).sum(1)[ok] / total[ok]))
    n_tokens = np.maximum((ids > 0).sum(1), 1)
    share["token_share"] = float(np.mean(((parts >= 1) & (ids > 0)).sum(1) / n_tokens))
    return share
