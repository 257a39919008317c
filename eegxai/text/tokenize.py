"""One tokenizer for both models, with character spans for highlighting.

Both the bag-of-words SVM and the embedding CNN see the same tokens, so a word's
relevance under the two models can be shown on the same text (Arras et al. 2016,
fig. 1). A token is a maximal run of letters or digits, lower-cased: GloVe's
vocabulary is lower-cased and splits e-mail addresses and host names into their
parts (``cs``, ``cmu``, ``edu``), which keeps header tokens visible to both models.

References
----------
.. [1] Arras, L., Horn, F., Montavon, G., Müller, K.-R. & Samek, W. (2016).
   Explaining predictions of non-linear classifiers in NLP. Rep4NLP workshop, ACL.
"""

from __future__ import annotations

import re

__all__ = ["TOKEN_PATTERN", "tokenize", "token_spans"]

#: Letters and digits (Unicode aware; the underscore is not a word character here).
TOKEN_PATTERN = re.compile(r"[^\W_]+")


def tokenize(text: str) -> list[str]:
    """Lower-cased tokens of ``text`` (the analyzer of both models)."""
    return [m.group().lower() for m in TOKEN_PATTERN.finditer(text)]


def token_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` character offsets of the tokens of :func:`tokenize`."""
    return [m.span() for m in TOKEN_PATTERN.finditer(text)]
