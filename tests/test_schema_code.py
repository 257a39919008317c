"""The config schema and the code agree: every enum and every default.

The workflow passes every value from the config, so a default that differs
between schema and code changes results only for Python users, silently; an
enum that differs makes a valid method unreachable from the workflow.
"""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
import yaml

from eegxai import pipeline, preprocessing, training
from eegxai.datasets import DATASETS
from eegxai.experiments import clever_hans
from eegxai.expert import baselines
from eegxai.explain import COMPOSITES, METHODS
from eegxai.models import MODEL_NAMES
from eegxai.report import subject as subject_report
from eegxai.splits import SPLIT_KINDS

SCHEMA = yaml.safe_load(
    (Path(__file__).resolve().parents[1] / "workflow/schemas/config.schema.yaml").read_text())
DEFS, TOP = SCHEMA["$defs"], SCHEMA["properties"]


def _defaults(func) -> dict:
    return {name: p.default for name, p in inspect.signature(func).parameters.items()
            if p.default is not inspect.Parameter.empty}


def _items(prop) -> list:
    return prop["items"]["enum"]


#: Methods of eegxai.explain that need arguments the EEG steps do not give
#: (player groups and a background for Shapley values, a GAP head or a layer
#: name for CAM), so the EEG schema does not offer them.
NOT_FOR_EEG_STEPS = {"shapley", "kernel_shap", "cam", "gradcam"}
EEG_METHODS = [m for m in METHODS if m not in NOT_FOR_EEG_STEPS]


def test_methods_left_out_of_the_schema_exist():
    assert NOT_FOR_EEG_STEPS <= set(METHODS)


@pytest.mark.parametrize(("enum", "code"), [
    (_items(DEFS["explain"]["properties"]["methods"]), EEG_METHODS),
    (_items(DEFS["evaluate"]["properties"]["methods"]), EEG_METHODS),
    (DEFS["explain"]["properties"]["composite"]["enum"], list(COMPOSITES)),
    (_items(DEFS["evaluate"]["properties"]["composites"]), list(COMPOSITES)),
    (_items(TOP["models"]), list(MODEL_NAMES)),
    (_items(TOP["baselines"]), list(baselines.METHODS)),
    (DEFS["dataset"]["properties"]["loader"]["enum"], list(DATASETS)),
    (DEFS["split"]["properties"]["kind"]["enum"], list(SPLIT_KINDS)),
    (_items(DEFS["preprocess"]["properties"]["classes"]),
     [c for c in preprocessing._CLASSES]),
], ids=["explain.methods", "evaluate.methods", "explain.composite",
        "evaluate.composites", "models", "baselines", "loader", "split.kind",
        "classes"])
def test_schema_enums_equal_the_code(enum, code):
    assert sorted(enum) == sorted(code)


def _schema_defaults(block: str) -> dict:
    return {k: v["default"] for k, v in DEFS[block]["properties"].items() if "default" in v}


@pytest.mark.parametrize(("block", "func", "rename"), [
    ("preprocess", preprocessing.preprocess, {}),
    ("training", training.fit_model, {}),
    ("explain", pipeline.explain_step, {"methods": None}),
    ("compare", pipeline.compare_step, {"expert": None}),  # its own test below
    ("evaluate", pipeline.evaluate_step, {}),
    ("occlusion", pipeline.band_occlusion_step, {}),
], ids=["preprocess", "training", "explain", "compare", "evaluate", "occlusion"])
def test_schema_defaults_equal_the_code(block, func, rename):
    code = _defaults(func)
    checked = 0
    for key, default in _schema_defaults(block).items():
        name = rename.get(key, key)
        if name is None or name not in code:
            continue
        value = code[name]
        value = list(value) if isinstance(value, tuple) else value
        assert value == default, f"{block}.{key}: schema {default!r}, code {value!r}"
        checked += 1
    assert checked >= 2


def test_schema_defaults_equal_the_code_elsewhere():
    hans = TOP["clever_hans"]["properties"]
    hans_code = _defaults(pipeline.clever_hans_step)
    assert hans["n_epochs"]["default"] == hans_code["n_epochs"]
    assert hans["blink_class"]["default"] == hans_code["blink_class"]
    assert hans["blink_class"]["enum"] == ["left_hand", "right_hand"]
    report = DEFS["report"]["properties"]
    assert report["eog_flag_factor"]["default"] == clever_hans.EOG_FLAG_FACTOR
    assert report["eog_flag_factor"]["default"] == subject_report.EOG_FLAG_FACTOR
    assert DEFS["split"]["properties"]["n_splits"]["default"] == 5
    assert TOP["baselines"]["default"] == list(baselines.METHODS)
    assert DEFS["explain"]["properties"]["methods"]["default"][0] == "lrp"


def test_expert_feature_defaults_equal_the_code():
    import dataclasses

    from eegxai.expert.features import ExpertParams

    compare = DEFS["compare"]["properties"]
    block = compare["expert"]["properties"]
    code = {f.name: f.default for f in dataclasses.fields(ExpertParams)}
    assert compare["erds_permutations"]["default"] == code.pop("erds_permutations")
    assert set(block) == set(code)
    for key, prop in block.items():
        value = code[key]
        assert (list(value) if isinstance(value, tuple) else value) == prop["default"], key
