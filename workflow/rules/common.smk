# Configuration validation, subject lists, wildcard constraints and input
# functions shared by every stage. No science here: eegxai computes.
import os
import re
from pathlib import Path

from snakemake.utils import validate

from eegxai._config import check_study_config


validate(config, schema="../schemas/config.schema.yaml")
check_study_config(config)

MNE_DATA = (
    str(Path(config["mne_data"]).expanduser().resolve()) if config["mne_data"] else None
)

DATASETS = config["datasets"]

# Final files of the sibling workflows (image.smk, text.smk, dna.smk append to it).
DOMAIN_TARGETS = []


wildcard_constraints:
    dataset="|".join(re.escape(d) for d in DATASETS),
    subject=r"sub-\d+",
    model="|".join(re.escape(m) for m in config["models"]),
    method="[a-z_]+",


def subject_ids(dataset):
    """Subject wildcards of one dataset: sub-01, sub-02, ..."""
    return [f"sub-{s:02d}" for s in DATASETS[dataset]["subjects"]]


def subject_number(subject):
    """sub-07 -> 7."""
    return int(subject.split("-", 1)[1])


def dataset_param(dataset, key):
    """The validated (defaults filled) config block `key` of a dataset."""
    return DATASETS[dataset][key]


def per_subject(pattern, **extra):
    """Expand a path pattern over every (dataset, subject) of the study."""
    paths = []
    for dataset in DATASETS:
        paths += expand(pattern, dataset=dataset, subject=subject_ids(dataset), **extra)
    return paths


PRIMARY_METHOD = config["explain"]["methods"][0]


def training_params(wildcards):
    """fit_model keyword arguments from the `training` block."""
    keep = ("n_epochs", "batch_size", "patience", "valid_fraction", "cropped", "device", "threads")
    return {k: config["training"][k] for k in keep}


def all_targets():
    models = config["models"]
    return (
        per_subject("results/qc/{dataset}/{subject}.png")
        + per_subject("results/metrics/{dataset}/{subject}/{model}.json", model=models)
        + per_subject("results/baselines/{dataset}/{subject}.json")
        + per_subject(
            "results/relevance/{dataset}/{subject}/{model}-{method}.h5",
            model=models,
            method=config["explain"]["methods"],
        )
        + per_subject("results/compare/{dataset}/{subject}/{model}.json", model=models)
        + per_subject("results/evaluate/{dataset}/{subject}/{model}.json", model=models)
        + per_subject("reports/{dataset}/{subject}.html")
        + expand("reports/{dataset}/group.html", dataset=list(DATASETS))
        + [f"results/clever_hans/sub-{s:02d}.json" for s in config["clever_hans"]["subjects"]]
    )


def extra_source_ids(dataset):
    """Subject wildcards of a dataset's pre-training-only sources (`extra_sources`)."""
    return [f"sub-{e['subject']:02d}" for e in DATASETS[dataset].get("extra_sources", [])]


def loader_args(dataset, subject=None):
    """Loader keyword arguments (an extra source's own overrides on top); simulated
    data is seeded from the study seed."""
    args = dict(DATASETS[dataset]["loader_args"])
    number = None if subject is None else subject_number(subject)
    for extra in DATASETS[dataset].get("extra_sources", []):
        if extra["subject"] == number:
            args.update(extra.get("loader_args") or {})
    if DATASETS[dataset]["loader"] == "simulated":
        args.setdefault("seed", config["seed"])
    return args


# Cross-subject transfer (rules/transfer.smk): subject groups and stage parameters.
TRANSFER = config.get("transfer", {})


def transfer_groups(dataset):
    """Subject groups of a dataset (eegxai.transfer.subject_groups: fixed in advance)."""
    from eegxai.transfer import subject_groups

    subjects = subject_ids(dataset)
    return subject_groups(subjects, min(TRANSFER.get("n_groups", 3), len(subjects)))


def transfer_sources(dataset, group):
    """Subjects a group's model is pre-trained on: every study subject outside the
    group, then the dataset's `extra_sources` (pre-training only, never targets)."""
    members = transfer_groups(dataset)[int(group)]
    return [s for s in subject_ids(dataset) if s not in members] + extra_source_ids(dataset)


def transfer_group(dataset, subject):
    """Index of the group a target subject belongs to."""
    return next(g for g, members in enumerate(transfer_groups(dataset)) if subject in members)


def transfer_training(stage, model):
    """fit_model arguments of a transfer stage: `training` block, the stage block,
    then the model's own block (eegxai.transfer.stage_params)."""
    from eegxai.transfer import stage_params

    return stage_params(training_params(None), TRANSFER, stage, model)


def transfer_targets():
    """Final files of the transfer stage (empty when disabled)."""
    if not TRANSFER.get("enabled", False):
        return []
    models = config["models"]
    return (
        per_subject("results/transfer/{dataset}/{subject}/{model}-zeroshot.json", model=models)
        + per_subject("results/transfer/{dataset}/{subject}/{model}-within.json", model=models)
        + per_subject("results/transfer/{dataset}/{subject}/baselines.json")
    )
