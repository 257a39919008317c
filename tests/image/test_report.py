"""The image report page: every section, escaped text, self-contained."""

from __future__ import annotations

import numpy as np

from eegxai._io import write_json
from eegxai.image.io import save_arrays
from eegxai.image.report import image_report_step


def _inputs(tmp_path, rng):
    side, n = 16, 4
    X = rng.random((n, 1, side, side)).astype(np.float32)
    paths = {"metrics": []}
    for name in ("cnn", "mlp", "cam"):
        path = tmp_path / f"{name}.json"
        write_json(path, {"model": name, "test_accuracy": 0.98, "train_accuracy": 0.99,
                          "n_test": 100, "provenance": {"date": "x", "versions": {}}})
        paths["metrics"].append(str(path))
    maps = {"lrp_zbox": rng.normal(size=(n, side, side)),
            "sensitivity": rng.random((n, side, side))}
    paths["heatmaps"] = save_arrays(tmp_path / "h.npz", X=X, y=np.arange(n),
                                    methods=np.array(list(maps)),
                                    **{f"map_{k}": v for k, v in maps.items()})
    share = {"positive": 0.9, "absolute": 0.8, "chance": 0.2}
    paths["heatmaps_summary"] = write_json(tmp_path / "h.json", {
        "stroke_share": {k: share for k in maps}, "params": {"stroke_threshold": 0.5}})
    curve = {"fraction": [0, 0.5, 1], "curve": [3, 1, 0]}
    paths["pixel_flipping"] = write_json(tmp_path / "pf.json", {
        "curves": {"lrp_zbox|morf": curve, "lrp_zbox|lerf": curve,
                   "random|random": curve},
        "aopc": {"lrp_zbox": {"morf": 2.0, "lerf": 0.5, "morf_boot_sd": 0.1}},
        "random": {"aopc": [1.0, 1.1], "mean": 1.05, "sd": 0.05},
        "versus_reference": {"lrp_zbox": {"mean": 0.5, "sd": 0.1}},
        "params": {"reference": "sensitivity", "n_images": 4, "patch": 4,
                   "n_steps": 2, "n_random": 2}})
    paths["clever_hans"] = write_json(tmp_path / "ch.json", {
        "n_tagged_train": 10, "tag_share": 0.02,
        "clean_accuracy": {"tagged": 0.9, "control": 0.9},
        "flip_rate": {"tagged": 0.6, "control": 0.0},
        "tag_mass": {"tagged": 0.6, "control": 0.01}, "spray_ari": 1.0,
        "spray_eigenvalues": [0, 0, 0.1], "params": {"tag_size": 2, "fraction": 0.8,
                                                     "tag_class": 1}})
    paths["clever_hans_arrays"] = save_arrays(
        tmp_path / "ch.npz", probe=X, probe_relevance_tagged=maps["lrp_zbox"],
        probe_relevance_control=maps["lrp_zbox"], spray_relevance=maps["lrp_zbox"],
        spray_labels=np.array([0, 0, 1, 1]), spray_tagged=np.array([1, 1, 0, 0], bool))
    proto = {"probability": [0.995] * 2, "distance": [3.0, 4.0], "mean_distance": 3.5,
             "min_probability": 0.995}
    paths["prototypes"] = write_json(tmp_path / "p.json", {
        "classes": [0, 1], "prototypes": {k: proto for k in ("l2", "prior", "code")},
        "params": {"lam_l2": 0.01, "prior_kind": "gaussian", "lam_code": 0.003,
                   "n_code": 16}})
    paths["prototypes_arrays"] = save_arrays(
        tmp_path / "p.npz", classes=np.array([0, 1]),
        **{f"prototype_{k}": X[:2] for k in ("l2", "prior", "code")})
    paths["scanning"] = write_json(tmp_path / "s.json", {
        "pointing_game": 1.0, "n_digits": 2, "conservation_max_residual": 1e-6,
        "params": {"n_canvases": 1, "canvas_side": 32, "n_digits": 2, "window": 16,
                   "stride": 4}})
    paths["scanning_arrays"] = save_arrays(
        tmp_path / "s.npz", images=rng.random((1, 1, 32, 32)), labels=np.array([[1, 2]]),
        corners=np.array([[[0, 0], [16, 16]]]), evidence=rng.random((1, 11, 5, 5)),
        hits=np.array([True, True]), relevance=rng.normal(size=(1, 2, 32, 32)))
    return paths


def test_report_has_every_section_and_escapes(tmp_path, rng):
    out = tmp_path / "index.html"
    image_report_step(_inputs(tmp_path, rng), out, config={"note": "<script>x</script>"})
    html = out.read_text()
    for title in ("Models", "Heatmaps", "Pixel flipping", "Prototypes", "Clever Hans tag",
                  "Scanning large images", "Provenance"):
        assert f"{title}</h2>" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "http://" not in html.replace("http://www.w3.org", "")
    assert html.count("data:image/png;base64,") >= 6
