"""HTML reports: sections, embedded figures, no external resources, escaping, rendering."""

from __future__ import annotations

import json
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from eegxai._io import read_json, write_json
from eegxai.report import group_report, subject_report
from eegxai.report.readings import prototype_reading, readings, shap_lrp_reading

from ._fixture import DATASET, MODEL, SUBJECT, make_subject_outputs

EVIL = "<script>alert(1)</script>"

SUBJECT_SECTIONS = ["data", "decoding", "where-when", "rhythm", "expert-view",
                    "agreement", "quality", "provenance"]
SUBJECT_FIGURES = [
    "Preprocessing quality control", "Training curves", "Confusion matrices",
    "Relevance heatmaps", "Relevance time course", "Channel relevance",
    "Lateralization index per class", "Band occlusion: margin drop per frequency band",
    "First-layer filter responses",
    "Network spectra beside the band-power r² spectrum", "Which rhythm",
    "ERD/ERS maps", "Relevance time course next to the ERD time course",
    "CSP patterns next to channel relevance", "Perturbation curves",
    "Model-randomization sanity check",
    "SHAP (band-power LDA) vs LRP (ConvNet), channel × band",
    "Class prototypes by activation maximization",
]


class _Page(HTMLParser):
    """Collects tags, attributes and text of a page."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)

    def find(self, tag):
        return [attrs for t, attrs in self.tags if t == tag]

    @property
    def all_text(self) -> str:
        return "".join(self.text)


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


@pytest.fixture(scope="session")
def outputs(tmp_path_factory) -> dict[str, Path]:
    """One tiny simulated subject through every pipeline step (~40 s on 2 cores)."""
    return make_subject_outputs(tmp_path_factory.mktemp("results"))


def _per_model(p):
    return {key: {MODEL: p[key]} for key in
            ("metrics", "history", "relevance", "summary", "compare", "expert",
             "evaluate", "occlusion")}


def _subject_report(p, out, **kwargs):
    return subject_report(out, dataset=DATASET, subject=SUBJECT, qc_json=p["qc_json"],
                          qc_png=p["qc_png"], baselines=p["baselines"],
                          **_per_model(p), **kwargs)


@pytest.fixture(scope="session")
def report(outputs, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("reports") / DATASET / f"{SUBJECT}.html"
    return _subject_report(outputs, out, config={"seed": 1, "models": [MODEL]},
                           reference="bci_iv_2b", simulated=True)


def _assert_self_contained(page: _Page):
    for tag, attr in (("img", "src"), ("script", "src"), ("link", "href"),
                      ("iframe", "src")):
        for attrs in page.find(tag):
            value = attrs.get(attr) or ""
            assert not value.startswith(("http:", "https:", "//")), (tag, value)
    assert not page.find("script"), "the report needs no scripts"
    assert not page.find("link"), "styles are inline"
    for attrs in page.find("img"):
        assert attrs["src"].startswith("data:image/png;base64,")


def test_subject_report_sections_and_figures(report):
    page = _parse(report)
    ids = [attrs.get("id") for attrs in page.find("section")]
    assert ids == SUBJECT_SECTIONS
    titles = [attrs["data-title"] for attrs in page.find("figure")]
    for expected in SUBJECT_FIGURES:
        assert any(t.startswith(expected) for t in titles), (expected, titles)
    assert len(page.find("img")) == len(titles)
    _assert_self_contained(page)
    text = page.all_text
    assert "not available" not in text, "a figure failed to draw"
    # Decoding table: model, baselines and the 2b reference numbers.
    for expected in (f"ConvNet: {MODEL}", "baseline: csp_lda", "competition winner",
                     "0.600", "Schirrmeister"):
        assert expected in text, expected
    assert "spectral_spearman_first_layer" in text
    assert "sha256" in text and "report date" in text


def test_subject_report_lists_every_agreement_reading(outputs, report):
    text = _parse(report).all_text
    sentences = readings(read_json(outputs["compare"]))
    assert sentences
    for name, sentence in sentences.items():
        assert name in text
        assert sentence and sentence in text


def test_subject_report_checksums_every_input(outputs, report):
    import hashlib

    text = _parse(report).all_text
    for key in ("qc_json", "qc_png", "metrics", "history", "baselines", "relevance",
                "summary", "compare", "expert", "evaluate", "occlusion"):
        digest = hashlib.sha256(outputs[key].read_bytes()).hexdigest()
        assert digest in text, key


def test_text_from_data_is_escaped(outputs, tmp_path):
    """Subject, channel names, readings and config strings never become markup."""
    p = {k: tmp_path / f"{k}{v.suffix}" for k, v in outputs.items()}
    for key, src in outputs.items():
        shutil.copy(src, p[key])
    qc = read_json(p["qc_json"])
    qc["channels"][0] = EVIL
    write_json(p["qc_json"], qc)
    comparison = read_json(p["compare"])
    first = next(iter(comparison["metrics"]))
    comparison["metrics"][EVIL] = comparison["metrics"].pop(first)
    write_json(p["compare"], comparison)
    out = subject_report(tmp_path / "evil.html", dataset=DATASET, subject=EVIL,
                         qc_json=p["qc_json"], qc_png=p["qc_png"],
                         baselines=p["baselines"], **_per_model(p),
                         config={"note": EVIL})
    html = out.read_text(encoding="utf-8")
    assert EVIL not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    page = _parse(out)
    assert not page.find("script")
    assert page.all_text.count(EVIL) >= 4  # title, subject row, channel, metric, config


def test_eog_flag(outputs, tmp_path):
    evaluation = read_json(outputs["evaluate"])
    evaluation.update(eog_share=0.5, eog_chance=0.1)
    path = tmp_path / "evaluate.json"
    write_json(path, evaluation)
    p = dict(outputs, evaluate=path)
    text = _parse(_subject_report(p, tmp_path / "flag.html")).all_text
    assert "EOG flag" in text and "Clever Hans" in text
    evaluation.update(eog_share=0.15)
    write_json(path, evaluation)
    text = _parse(_subject_report(p, tmp_path / "ok.html")).all_text
    assert "EOG check passed" in text and "EOG flag" not in text


def test_missing_optional_input_is_flagged_not_fatal(outputs, tmp_path):
    expert = read_json(outputs["expert"])
    expert["csp_patterns"] = None
    path = tmp_path / "expert.json"
    path.write_text(json.dumps(expert))
    out = _subject_report(dict(outputs, expert=path), tmp_path / "nocsp.html")
    text = _parse(out).all_text
    assert "CSP vs relevance: not available" in text
    assert "ERD/ERS maps" in text


def _section(html: str, section_id: str) -> str:
    return html.split(f'<section id="{section_id}">')[1].split("</section>")[0]


def test_rhythm_section_leads_with_band_occlusion(outputs, report):
    rhythm = _section(report.read_text(encoding="utf-8"), "rhythm")
    titles = [t.split('"')[0] for t in rhythm.split('data-title="')[1:]]
    assert titles[0] == "Band occlusion: margin drop per frequency band", titles
    assert titles.index("First-layer filter responses weighted by relevance") > 0
    occ = read_json(outputs["occlusion"])
    caption = _parse(report).all_text
    for expected in ("Lead frequency evidence", f"Resolution {occ['resolution']:g} Hz",
                     "true-class margin", f"accuracy on these trials {occ['accuracy']:.3f}",
                     f"p = {occ['p_peak']:.3g}", "a model at chance has a noise peak",
                     "Secondary evidence beside the band occlusion above"):
        assert expected in caption, expected


def test_missing_band_occlusion_is_flagged_and_chance_peak_is_called_noise(outputs,
                                                                          tmp_path):
    from eegxai.report.subject import _occlusion_items

    [item] = _occlusion_items(None)  # a model without the file: a notice, no crash
    assert item["kind"] == "flag"
    assert item["text"].startswith("Band occlusion: margin drop per frequency band: "
                                   "not available")
    occ = read_json(outputs["occlusion"])
    occ.update(accuracy=0.5, chance_accuracy=0.7)
    figure, flag = _occlusion_items(write_json(tmp_path / "occlusion.json", occ))
    assert figure["kind"] == "figure" and "accuracy on these trials 0.500" in \
        figure["caption"]
    assert f"so its peak at {occ['peak_freq']:g} Hz is noise" in flag["text"]
    occ.update(accuracy=0.9)
    assert len(_occlusion_items(write_json(tmp_path / "occlusion.json", occ))) == 1


def test_evaluate_step_writes_prototypes(outputs):
    proto = read_json(outputs["evaluate"])["prototypes"]
    assert proto["ch_names"] == ["C3", "Cz", "C4"] and proto["n_steps"] == 30
    assert set(proto["kinds"]) == {"l2", "prior"}
    n_classes = len(proto["class_names"])
    for kind, entry in proto["kinds"].items():
        assert "error" not in entry, (kind, entry.get("error"))
        assert np.shape(entry["prob"]) == (n_classes,)
        assert np.all((np.asarray(entry["prob"]) >= 0) & (np.asarray(entry["prob"]) <= 1))
        assert np.shape(entry["channel_rms"]) == (n_classes, 3)
        assert np.shape(entry["psd"]) == (n_classes, 3, len(entry["freqs"]))
        assert max(entry["freqs"]) <= 45.0
        assert np.shape(entry["lateralization"]) == (n_classes, len(entry["bands"]))


def test_subject_report_shows_shap_lrp_and_prototypes(outputs, report):
    text = _parse(report).all_text
    entry = read_json(outputs["compare"])["shap_lrp"]
    assert shap_lrp_reading(entry) in text
    proto = read_json(outputs["evaluate"])["prototypes"]
    for kind, e in proto["kinds"].items():
        assert prototype_reading(kind, e, proto["class_names"]) in text
    for expected in ("Spearman ρ of the mean |maps|", "SHAP–LRP agreement",
                     "p(class | prototype)", "LI mu (C3 vs C4)"):
        assert expected in text, expected


def test_missing_shap_lrp_and_prototypes_are_flagged(outputs, tmp_path):
    comparison = read_json(outputs["compare"])
    del comparison["shap_lrp"]  # compare results of an older run
    evaluation = read_json(outputs["evaluate"])
    del evaluation["prototypes"]
    p = dict(outputs, compare=tmp_path / "compare.json", evaluate=tmp_path / "evaluate.json")
    write_json(p["compare"], comparison)
    write_json(p["evaluate"], evaluation)
    text = _parse(_subject_report(p, tmp_path / "old.html")).all_text
    assert "SHAP (band-power LDA) vs LRP (ConvNet), channel × band: not available" in text
    assert "'shap_lrp' entry" in text and "'prototypes' entry" in text
    assert "Class prototypes by activation maximization: not available" in text
    assert "Perturbation curves" in text and "Agreement with expert features" in text
    # a model without DFT-LRP, and a prototype kind that failed (text escaped)
    comparison["shap_lrp"] = None
    evaluation = read_json(outputs["evaluate"])
    evaluation["prototypes"]["kinds"]["prior"] = {"prior": "gaussian", "error": EVIL}
    write_json(p["compare"], comparison)
    write_json(p["evaluate"], evaluation)
    out = _subject_report(p, tmp_path / "none.html")
    text = _parse(out).all_text
    assert "not computed for this model" in text
    assert f"prior prototype: not available ({EVIL})" in text
    assert EVIL not in out.read_text(encoding="utf-8")
    assert "Prototype class probability and lateralization" in text  # the l2 kind


def test_report_write_is_atomic(outputs, tmp_path):
    out = tmp_path / "r.html"
    out.write_text("old")
    with pytest.raises(FileNotFoundError):
        _subject_report(dict(outputs, qc_png=tmp_path / "missing.png"), out)
    assert out.read_text() == "old"
    assert [f.name for f in tmp_path.iterdir()] == ["r.html"]


def test_group_report(outputs, tmp_path):
    # A second subject: the same files relabelled (group logic, not science).
    second = {}
    for key in ("metrics", "baselines", "compare", "summary", "occlusion"):
        data = read_json(outputs[key])
        data["subject"] = "sub-02"
        if key == "metrics":
            data["kappa"] = float(data["kappa"]) + 0.1
        second[key] = tmp_path / f"{key}-sub-02.json"
        write_json(second[key], data)
    out = group_report(
        tmp_path / "group.html", dataset=DATASET,
        metrics=[outputs["metrics"], second["metrics"]],
        baselines=[outputs["baselines"], second["baselines"]],
        compare=[outputs["compare"], second["compare"]],
        summary=[outputs["summary"], second["summary"]],
        occlusion=[outputs["occlusion"], second["occlusion"]],
        config={"seed": 1}, reference="bci_iv_2b")
    page = _parse(out)
    assert [a["id"] for a in page.find("section")] == ["decoding", "agreement", "rhythm",
                                                       "relevance", "spatial",
                                                       "provenance"]
    _assert_self_contained(page)
    text = page.all_text
    assert "not available" not in text
    for expected in ("sub-01", "sub-02", "competition winner κ", "0.600", "0.599",
                     "Schirrmeister", "±", "Grand-average relevance time course",
                     "Grand-average first-layer relevance spectra",
                     "Group band occlusion: margin drop per frequency band",
                     "Band-occlusion peak per subject",
                     "Group relevance vs group CSP pattern per class", "Group ERD/ERS maps"):
        assert expected in text, expected
    kappas = [read_json(p)["kappa"] for p in (outputs["metrics"], second["metrics"])]
    assert f"{np.mean(kappas):.3f} ± {np.std(kappas, ddof=1):.3f}" in text


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def test_report_renders_in_headless_browser(report, tmp_path):
    browser = _chromium()
    if browser is None:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    from PIL import Image

    png = tmp_path / "report.png"
    cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
           "--no-first-run", "--disable-background-networking",
           "--disable-component-update", "--disable-sync",
           f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={png}",
           "--window-size=1280,2000", report.resolve().as_uri()]
    subprocess.run(cmd, check=True, capture_output=True, timeout=120)
    assert png.is_file()
    with Image.open(png) as image:
        assert image.size == (1280, 2000)
        colors = image.convert("RGB").getcolors(maxcolors=1 << 20)
    assert colors is not None and len(colors) > 500, "screenshot looks blank"


def test_reference_rows():
    from eegxai.report.subject import reference_rows

    assert reference_rows(None) == []
    real = reference_rows("bci_iv_2b", 4)
    assert any("subject 4" in row[0] and row[3] == 0.95 for row in real)
    simulated = reference_rows("bci_iv_2b", 4, simulated=True)
    assert not any("subject 4" in row[0] for row in simulated)
    assert any(row[3] == 0.60 for row in simulated)
