"""Study configuration: schema rules and the cross-field checks of eegxai._config."""

from __future__ import annotations

import copy

import pytest
import yaml
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

from eegxai._config import ConfigError, check_study_config
from eegxai.splits import train_valid_split

from .test_workflow import REPO, _snakemake

SCHEMA = str(REPO / "workflow" / "schemas" / "config.schema.yaml")
TEST_CONFIG = yaml.safe_load((REPO / ".test/config/config.yaml").read_text())


def _config(edit=None) -> dict:
    config = copy.deepcopy(TEST_CONFIG)
    if edit is not None:
        edit(config)
    return config


def _schema_error(config) -> str:
    with pytest.raises(WorkflowError) as info:
        validate(config, SCHEMA)
    return str(info.value)


def _checked(config) -> dict:
    validate(config, SCHEMA)  # fills the defaults, as in common.smk
    check_study_config(config)
    return config


@pytest.mark.parametrize("name", ["../../../escaped", "sim(2b)", "a/b", ".hidden", "x y"])
def test_dataset_names_that_are_not_plain_words_are_rejected(name):
    config = _config(lambda c: c["datasets"].update({name: c["datasets"].pop("sim2b")}))
    err = _schema_error(config)
    assert name in err and "does not match" in err


def test_plain_dataset_names_are_accepted():
    config = _config(lambda c: c["datasets"].update(
        {"Sim_2b-v2": c["datasets"].pop("sim2b")}))
    _checked(config)


@pytest.mark.parametrize(("edit", "fragment", "key"), [
    (lambda c: c["datasets"]["sim2b"].update(subjects=[1, 1]), "non-unique", "subjects"),
    (lambda c: c.update(clever_hans={"subjects": [2, 2]}), "non-unique", "subjects"),
    (lambda c: c.update(models=["shallow", "shallow"]), "non-unique", "models"),
    (lambda c: c.update(seed=-1), "-1 is less than the minimum of 0", "seed"),
    (lambda c: c.update(models=[]), "should be non-empty", "models"),
    (lambda c: c.update(baselines=[]), "should be non-empty", "baselines"),
    (lambda c: c["evaluate"].update(composites=[]), "should be non-empty", "composites"),
    (lambda c: c["evaluate"].update(methods=[]), "should be non-empty", "methods"),
    (lambda c: c["datasets"]["sim2b"]["preprocess"].update(channels=[]),
     "should be non-empty", "channels"),
    (lambda c: c["datasets"]["sim2b"]["preprocess"].update(classes=["left_hand"]),
     "is too short", "classes"),
    (lambda c: c.setdefault("training", {}).update(valid_fraction=0.95),
     "greater than the maximum of 0.9", "valid_fraction"),
    (lambda c: c.setdefault("transfer", {}).update(
        models={"shallow": {"finetune": {"lr_scal": 0.1}}}),
     "('lr_scal' was unexpected)", "finetune"),
    (lambda c: c.setdefault("transfer", {}).update(
        models={"shallow": {"finetune": {"lr_scale": 0}}}),
     "less than or equal to the minimum of 0", "lr_scale"),
])
def test_schema_rejects_duplicates_empty_lists_and_bad_bounds(edit, fragment, key):
    err = _schema_error(_config(edit))
    assert fragment in err
    assert f"['{key}']" in err  # the message names the key the user wrote


def test_valid_fraction_bounds_are_the_same_in_schema_and_code():
    schema = yaml.safe_load(open(SCHEMA))
    prop = schema["$defs"]["training"]["properties"]["valid_fraction"]
    low, high = prop["minimum"], prop["maximum"]
    y = [0, 1] * 20
    for value in (low, high):
        _checked(_config(lambda c, v=value: c.setdefault("training", {}).update(
            valid_fraction=v)))
        train_valid_split(y, value, 0)
    with pytest.raises(ValueError, match="valid_fraction"):
        train_valid_split(y, high + 0.01, 0)
    with pytest.raises(ValueError, match="valid_fraction"):
        train_valid_split(y, low - 0.01, 0)


@pytest.mark.parametrize(("edit", "fragments"), [
    (lambda c: c["datasets"]["eegmmidb"].update(preprocess={"notch": 200}),
     ["datasets.eegmmidb.preprocess.notch = 200", "(0, 80)"]),
    (lambda c: c["datasets"]["sim2b"]["preprocess"].update(sfreq=60),
     ["datasets.sim2b.preprocess.sfreq = 60", "h_freq = 38.0"]),
    (lambda c: c["datasets"]["sim2b"]["preprocess"].update(l_freq=40, h_freq=30),
     ["l_freq (40 Hz) must be below h_freq (30 Hz)"]),
    (lambda c: c["datasets"]["sim2b"]["preprocess"].update(h_freq=200),
     ["datasets.sim2b.preprocess.h_freq = 200", "(0, 125)"]),
    (lambda c: c["datasets"]["eegmmidb"].update(preprocess={"h_freq": 90}),
     ["datasets.eegmmidb.preprocess.h_freq = 90", "(0, 80)"]),
    (lambda c: c["datasets"]["sim2b"]["loader_args"].update(n_trial=3),
     ["datasets.sim2b.loader_args.n_trial", "n_trials_per_class"]),
    (lambda c: c["datasets"]["sim2b"]["preprocess"].update(tmin=2.0, tmax=1.0),
     ["tmin (2.0 s) must be below tmax (1.0 s)"]),
    (lambda c: c["datasets"]["sim2b"]["preprocess"].update(tmin=0.5, tmax=2.5),
     ["tmin (0.5 s) must be below 0 s", "pre-cue baseline"]),
    (lambda c: c["datasets"]["sim2b"]["preprocess"].update(classes=["left_hand", "feet"]),
     ["datasets.sim2b.preprocess.classes: ['feet']"]),
    (lambda c: c["datasets"]["eegmmidb"].update(subjects=[110]),
     ["datasets.eegmmidb.subjects: [110]", "1..109"]),
    (lambda c: c["datasets"]["sim2b"]["split"].update(test=["03T"]),
     ["sessions ['03T'] are in both"]),
    (lambda c: c["datasets"]["eegmmidb"].update(extra_sources=[{"subject": 1}]),
     ["datasets.eegmmidb.extra_sources: subjects [1] are also in datasets.eegmmidb.subjects",
      "never a target"]),
    (lambda c: c["datasets"]["eegmmidb"].update(
        extra_sources=[{"subject": 9}, {"subject": 9}]),
     ["datasets.eegmmidb.extra_sources: subjects [9] are listed more than once"]),
    (lambda c: c["datasets"]["eegmmidb"].update(extra_sources=[{"subject": 110}]),
     ["datasets.eegmmidb.extra_sources: [110] not in the 'eegmmidb' dataset", "1..109"]),
    (lambda c: c["datasets"]["eegmmidb"].update(
        extra_sources=[{"subject": 9, "loader_args": {"run": [4]}}]),
     ["datasets.eegmmidb.extra_sources[subject 9].loader_args.run", "allowed: runs"]),
    (lambda c: c.setdefault("transfer", {}).update(models={"deep": {"finetune": {"lr": 1e-3}}}),
     ["transfer.models: ['deep'] are not among the study's models ['shallow']"]),
])
def test_combinations_that_do_not_fit_are_named_at_validation(edit, fragments):
    config = _config(edit)
    validate(config, SCHEMA)
    with pytest.raises(ConfigError) as info:
        check_study_config(config)
    for fragment in fragments:
        assert fragment in str(info.value)


@pytest.mark.parametrize("name", ["config/config.yaml", "config/demo.yaml",
                                  "config/eegmmidb.yaml", ".test/config/config.yaml"])
def test_shipped_configs_pass_the_checks(name):
    _checked(yaml.safe_load((REPO / name).read_text()))


def test_workflow_start_reports_config_problems(tmp_path):
    config = _config(lambda c: c["datasets"]["eegmmidb"].update(preprocess={"notch": 200}))
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(config))
    res = _snakemake("-n", "--configfile", str(bad), "--directory", str(tmp_path))
    assert res.returncode != 0
    assert "datasets.eegmmidb.preprocess.notch = 200 Hz" in res.stdout + res.stderr


def test_nested_defaults_are_filled_for_the_steps():
    config = _checked(_config())
    assert config["compare"]["expert"]["lateralization_window"] == [0.5, 2.5]
    assert config["compare"]["perturbation_repeats"] == 10
