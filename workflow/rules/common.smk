# Configuration validation, subject lists, wildcard constraints and input
# functions shared by every stage. No science here: eegxai computes.
import os
from pathlib import Path

from snakemake.utils import validate


validate(config, schema="../schemas/config.schema.yaml")

MNE_DATA = (
    str(Path(config["mne_data"]).expanduser().resolve()) if config["mne_data"] else None
)

DATASETS = config["datasets"]


wildcard_constraints:
    dataset="|".join(DATASETS),
    subject=r"sub-\d+",
    model="|".join(config["models"]),


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


def all_targets():
    return (
        per_subject("results/epochs/{dataset}/{subject}-epo.fif")
        + per_subject("results/qc/{dataset}/{subject}.png")
    )


def loader_args(dataset):
    """Loader keyword arguments; simulated data is seeded from the study seed."""
    args = dict(DATASETS[dataset]["loader_args"])
    if DATASETS[dataset]["loader"] == "simulated":
        args.setdefault("seed", config["seed"])
    return args
