"""Header labels, header relevance share, tokenizer spans and report escaping."""

import numpy as np

from eegxai.text.clever_hans import HEADER_PARTS, header_parts, header_relevance_share
from eegxai.text.tokenize import token_spans, tokenize
from eegxai.text.vocabulary import Vocabulary

POST = ("From: jdoe@cs.cmu.edu (John Doe)\nSubject: Re: orbit\n"
        "Organization: Carnegie Mellon\nLines: 3\n\nThe shuttle orbit is low.\n")


def test_tokens_and_spans_agree():
    tokens = tokenize(POST)
    assert tokens[:4] == ["from", "jdoe", "cs", "cmu"]
    assert [POST[a:b].lower() for a, b in token_spans(POST)] == tokens


def test_header_parts_labels_fields_and_addresses():
    words = sorted(set(tokenize(POST)))
    vocab = Vocabulary(tuple(words), np.zeros((len(words) + 1, 2), np.float32))
    ids, spans = vocab.encode([POST], 40, return_spans=True)
    parts = header_parts([POST], spans, 40)[0]
    label = {}
    for i, w in enumerate(vocab.decode(ids[0])):
        label.setdefault(w, parts[i])  # first occurrence
    assert label["jdoe"] == label["cmu"] == HEADER_PARTS["address"]
    assert label["john"] == HEADER_PARTS["from"]
    assert label["orbit"] == HEADER_PARTS["subject"]
    assert label["mellon"] == HEADER_PARTS["organization"]
    assert label["shuttle"] == 0
    relevance = np.where(parts > 0, 1.0, 0.0) * (ids[0] > 0)
    relevance[list(vocab.decode(ids[0])).index("shuttle")] = -3.0
    share = header_relevance_share(relevance[None], parts[None], ids)
    n_header = int((parts > 0).sum())
    assert share["header"] == n_header / (n_header + 3.0)
    assert share["token_share"] == n_header / int((ids > 0).sum())
    n_subject = int((parts == HEADER_PARTS["subject"]).sum())
    assert n_subject > 0
    assert share["metadata"] == (n_header - n_subject) / (n_header + 3.0)


def test_highlight_is_escaped():
    from eegxai.report.html import Section, highlight_item, render_page
    from eegxai.text.figures import highlight_segments

    text = "<script>alert(1)</script> rocket"
    spans = np.array(token_spans(text) + [(0, 0)] * 3)
    relevance = np.r_[np.linspace(-1, 1, len(token_spans(text))), np.zeros(3)]
    segments = highlight_segments(text, spans, relevance)
    assert "".join(s for s, _ in segments) == text
    html = render_page("t", "s", [Section("x", "x", [highlight_item([("A <b>", segments)])])])
    assert "<script" not in html and "A <b>" not in html
    assert "&lt;</span>" not in html and ")&lt;/" in html and "A &lt;b&gt;" in html
