"""Decoding table of every training scheme (eegxai.report.scheme_table)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from eegxai._io import write_json
from eegxai.metrics import chance_accuracy
from eegxai.report.scheme_table import (
    explanation_counts,
    read_decoding_results,
    scheme_table,
    study_files,
)

from ._group_fixture import DATASET, decoding, write_group

ROOT = Path(__file__).resolve().parents[2]


def _threshold(n_trials: int = 45) -> int:
    """Smallest number of correct trials at p <= 0.05 (closed form, binomial tail)."""
    from math import comb

    tail = [sum(comb(n_trials, j) for j in range(k, n_trials + 1)) / 2**n_trials
            for k in range(n_trials + 1)]
    return next(k for k in range(n_trials + 1) if tail[k] <= 0.05)


def test_chance_count_at_the_binomial_threshold():
    k = _threshold(45)
    assert k == 29 and chance_accuracy(45) == pytest.approx(k / 45)
    results = {"sub-001": {"shallow ft": decoding(k)},        # at the threshold
               "sub-002": {"shallow ft": decoding(k - 1)},    # one trial short
               "sub-003": {"shallow ft": decoding(40)}}
    table = scheme_table(results)
    assert table.above_chance["shallow ft"].tolist() == [True, False, True]
    assert table.summary.loc["shallow ft", "n_above_chance"] == 2
    assert table.n_test.tolist() == [45, 45, 45]
    np.testing.assert_allclose(table.chance, k / 45)
    assert table.summary.loc["shallow ft", "mean"] == pytest.approx((2 * k - 1 + 40) / 135)


def test_table_from_files_and_missing_files_are_blank(tmp_path):
    paths = write_group(tmp_path, n_subjects=3)
    missing = tmp_path / "results" / "transfer" / DATASET / "sub-002" / "deep-zeroshot.json"
    missing.unlink()
    files = [*paths["metrics"], *paths["transfer"], *paths["baselines"]]
    table = scheme_table(read_decoding_results(files))
    assert list(table.accuracy.columns) == ["deep ft", "deep within", "deep zs",
                                            "shallow ft", "shallow within", "shallow zs",
                                            "csp_lda", "rct_ts_lr"]
    assert list(table.accuracy.index) == ["sub-001", "sub-002", "sub-003"]
    assert np.isnan(table.accuracy.loc["sub-002", "deep zs"])
    assert table.above_chance["deep zs"].isna().tolist() == [False, True, False]
    assert table.summary.loc["deep zs", "n_subjects"] == 2
    assert table.summary.loc["shallow zs", "n_subjects"] == 3
    # fine-tuned: 26, 28, 30 of 45 correct; threshold 29
    assert table.accuracy["shallow ft"].tolist() == pytest.approx([26 / 45, 28 / 45, 30 / 45])
    assert table.summary.loc["shallow ft", "n_above_chance"] == 1
    assert table.summary.loc["csp_lda", "n_above_chance"] == 1  # 27, 28, 29
    # the glob of a results folder finds the same files
    assert sorted(study_files(tmp_path / "results", DATASET)) == sorted(
        p for p in files if p.exists())


def test_subject_and_scheme_from_the_path_when_keys_are_absent(tmp_path):
    t = tmp_path / "transfer" / DATASET / "sub-007"
    files = [write_json(t / "eegnet-zeroshot.json", decoding(30)),
             write_json(t / "eegnet-within.json", decoding(20)),
             write_json(tmp_path / "baselines" / DATASET / "sub-007.json",
                        {"methods": {"ts_lr": decoding(31)}}),
             write_json(t / "baselines.json", {"methods": {"rct_ts_lr": decoding(32)}}),
             t / "deep-within.json"]  # never written: skipped
    results = read_decoding_results(files)
    assert list(results) == ["sub-007"]
    assert sorted(results["sub-007"]) == ["eegnet within", "eegnet zs", "rct_ts_lr",
                                          "ts_lr"]


def test_invalid_input_is_rejected(tmp_path):
    bad = write_json(tmp_path / "metrics" / DATASET / "sub-001" / "shallow.json",
                     decoding(30, scheme="semi-supervised"))
    with pytest.raises(ValueError, match="'scheme'.*'pretrained\\+finetuned'.*"
                                         "'semi-supervised'"):
        read_decoding_results([bad])
    with pytest.raises(ValueError, match="'alpha'.*0.*1.*1.5"):
        scheme_table({}, alpha=1.5)
    with pytest.raises(TypeError, match="results"):
        scheme_table([("sub-001", {})])


def test_explanation_counts_for_subjects_decoded_above_chance():
    results = {f"sub-{i}": {"shallow ft": decoding(n), "shallow within": decoding(40)}
               for i, n in enumerate((35, 33, 31, 20))}
    comparisons = {
        ("sub-0", "shallow"): {"metrics": {
            "peak_distance_first_layer": {"peak_freq": 11.0},
            "lateralization_agreement": {"relation": "same"}}},
        ("sub-1", "shallow"): {"metrics": {
            "peak_distance_first_layer": {"peak_freq": 34.0},
            "lateralization_agreement": {"relation": "opposite"}}},
        # sub-2: decoded, but no compare file; sub-3: below chance, not counted
        ("sub-3", "shallow"): {"metrics": {
            "peak_distance_first_layer": {"peak_freq": 10.0},
            "lateralization_agreement": {"relation": "same"}}},
    }
    occlusion = {("sub-0", "shallow"): {"peak_freq": 11.0, "p_peak": 0.001},
                 ("sub-1", "shallow"): {"peak_freq": 29.0, "p_peak": 0.2},
                 ("sub-2", "shallow"): {"peak_freq": 37.0, "p_peak": 0.001},
                 ("sub-3", "shallow"): {"peak_freq": 11.0, "p_peak": 0.001}}  # not decoded
    counts = explanation_counts(scheme_table(results), comparisons, occlusion=occlusion)
    assert counts.loc["shallow"].to_dict() == {
        "n_decoded": 3, "n_occlusion": 3, "occlusion_in_band": 2,
        "occlusion_significant": 1, "n_peak": 2, "peak_in_band": 1,
        "n_lateralization": 2, "same": 1, "opposite": 1, "mixed": 0}
    assert list(counts.index) == ["shallow"]  # no deep / eegnet column
    without = explanation_counts(scheme_table(results), comparisons)
    assert without.loc["shallow", "n_occlusion"] == 0
    assert without.loc["shallow", "peak_in_band"] == 1


def test_benchmark_prints_the_table(tmp_path):
    write_group(tmp_path, n_subjects=3)
    for k in (1, 2, 3):  # the band-occlusion files are read beside the compare files
        write_json(tmp_path / "results" / "occlusion" / DATASET / f"sub-00{k}" / "shallow.json",
                   {"peak_freq": 11.0, "p_peak": 0.01})
    out = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "eegmmidb_table.py"),
         "--results", str(tmp_path / "results")],
        capture_output=True, text=True, check=True).stdout
    lines = out.splitlines()
    row = next(line for line in lines if line.startswith("sub-003"))
    assert row.split()[:3] == ["sub-003", "45", "0.667*"]  # deep ft: 30 of 45
    above = next(line for line in lines if line.startswith("above chance")).split()
    assert above[2:] == ["1/3", "0/3", "0/3", "1/3", "0/3", "0/3", "1/3", "0/3"]
    assert "shallow: 1 subject(s) above chance; band-occlusion peak in 8-30 Hz: 1/1 (1 with " \
           "p < 0.05); first-layer relevance spectrum peak in 8-30 Hz: 1/1; relevance vs " \
           "ERD lateralization same/opposite/mixed: 1/0/0" in out


def test_benchmark_stage_times_count_only_the_study_datasets(tmp_path):
    write_group(tmp_path, n_subjects=3)
    bench = tmp_path / "results" / "benchmarks"
    rows = {"pretrain/syn-shallow-group0.tsv": 12.0, "preprocess/syn/sub-001.tsv": 3.0,
            "group_report/syn.tsv": 4.0, "group_report/syn_3ch.tsv": 50.0,
            "preprocess/syn_3ch/sub-001.tsv": 100.0, "text_train_cnn/main.tsv": 900.0}
    for rel, seconds in rows.items():
        (bench / rel).parent.mkdir(parents=True, exist_ok=True)
        (bench / rel).write_text(f"s\th:m:s\tcpu_time\n{seconds}\t0:00:00\t{seconds / 2}\n")
    out = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "eegmmidb_table.py"),
         "--results", str(tmp_path / "results"), "--dataset", "syn"],
        capture_output=True, text=True, check=True).stdout
    lines = out.splitlines()
    start = next(i for i, x in enumerate(lines) if x.startswith("time per stage of syn"))
    table = [x.split() for x in lines[start + 2:start + 6]]
    # not syn_3ch, not the text study; wall and CPU seconds summed per stage
    assert table == [["group_report", "4", "2"], ["preprocess", "3", "2"],
                     ["pretrain", "12", "6"],
                     ["sum", "(min)", "0.3", "0.2", "(divide", "by", "the", "cores", "for",
                      "the", "wall", "time", "of", "a", "parallel", "run)"]]
