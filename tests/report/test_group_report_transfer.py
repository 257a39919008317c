"""Group report with and without the transfer study's files."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from eegxai.report import group_report

from ._group_fixture import DATASET, write_group


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.sections: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "section":
            self.sections.append(dict(attrs)["id"])

    def handle_data(self, data):
        self.text.append(data)


def _render(tmp_path, paths, **kwargs):
    out = group_report(tmp_path / "group.html", dataset=DATASET,
                       metrics=paths["metrics"], baselines=paths["baselines"],
                       compare=paths["compare"], summary=paths["summary"],
                       occlusion=paths["occlusion"], n_permutations=199, **kwargs)
    html = out.read_text(encoding="utf-8")
    page = _Page()
    page.feed(html)
    return page.sections, "".join(page.text), html


@pytest.mark.parametrize("transfer", [True, False])
def test_group_report_with_and_without_transfer(tmp_path, transfer):
    paths = write_group(tmp_path, n_subjects=3, transfer=transfer, models=("shallow",))
    if transfer:
        paths["transfer"][0].unlink()  # sub-001 within: a blank cell, no crash
    sections, text, html = _render(tmp_path, paths, transfer=paths["transfer"])
    expected = ["decoding", "agreement", "rhythm", "relevance", "spatial", "provenance"]
    if transfer:
        expected.insert(1, "transfer")
    assert sections == expected
    assert "not available" not in text
    for title in ("Agreement of the group maps with their chance levels",
                  "csp_pattern_correlation_left_hand", "lateralization_agreement",
                  "mu_beta_share_first_layer", "time_course_correlation",
                  "What the explanations show for the subjects decoded above chance",
                  "Group band occlusion: margin drop per frequency band",
                  "Band-occlusion peak per subject"):
        assert title in text, title
    # counts: band occlusion is the first explanation column; only sub-003 (30 of 45)
    # is decoded above chance, so sub-001's 35 Hz peak is not counted
    counts = html.split('data-title="What the explanations show')[1].split("</table>")[0]
    header = [c.split("</th>")[0] for c in counts.split("<th>")[1:]]
    assert header[:4] == ["model", "decoded above chance", "band-occlusion peak in 8–30 Hz",
                          "first-layer peak in 8–30 Hz"]
    row = [c.split("</td>")[0] for c in counts.split("<td>")[1:]]
    assert row[:3] == ["shallow", "1", "1/1 (1 with p &lt; 0.05)"]
    # planted group maps: r = 1 with the group |CSP pattern|, p = 1 / (1 + 199)
    row = html.split("<td>csp_pattern_correlation_left_hand</td>")[1].split("</tr>")[0]
    cells = [c.split("</td>")[0] for c in row.split("<td>")[1:]]
    assert cells[0] == "1.000" and cells[3] == "0.005" and cells[4] == "shuffled channels"
    assert "Decoding by training scheme" in text if transfer else \
        "Decoding by training scheme" not in text
    assert ("Test accuracy per subject, decoder and scheme" in text) == transfer
    if transfer:
        for column in ("shallow ft", "shallow within", "shallow zs", "rct_ts_lr"):
            assert column in text, column
        assert "0.667*" in text and "1/3" in text  # sub-003 fine-tuned: 30 of 45
        scheme = html.split('data-title="Test accuracy per subject, decoder and scheme"')[1]
        sub1 = scheme.split("<td>sub-001</td>")[1].split("</tr>")[0]
        # columns: test trials, chance, shallow ft, shallow within (missing), shallow zs
        assert [c.split("</td>")[0] for c in sub1.split("<td>")[1:]][3] == "–"

