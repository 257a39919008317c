"""Cross-field checks of a study configuration, at workflow start.

The JSON schema (``workflow/schemas/config.schema.yaml``) checks each key on its
own: types, ranges, enums, non-empty and duplicate-free lists. What it cannot
say is that two valid values do not fit together, e.g. a notch at 200 Hz for
recordings sampled at 160 Hz, or a 38 Hz low-pass for data resampled to 60 Hz.
:func:`check_study_config` checks these combinations right after the schema
(``workflow/rules/common.smk``), so a study fails before its first job, with a
message in the configuration's own terms (``datasets.<name>.preprocess.notch``),
instead of hours later with a numpy message.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Mapping
from typing import Any

__all__ = ["ConfigError", "check_study_config", "native_sfreq"]


class ConfigError(ValueError):
    """A study configuration whose values do not fit together."""


def native_sfreq(loader: str, loader_args: Mapping[str, Any]) -> float:
    """Sampling rate in Hz of the recordings a loader returns (before resampling).

    Parameters
    ----------
    loader : str
        A name of :data:`eegxai.datasets.DATASETS`.
    loader_args : mapping
        The loader's keyword arguments (``sfreq`` and ``montage`` matter for
        simulated data).
    """
    from .datasets import DATASETS
    from .datasets.simulate import _LAYOUTS

    info = DATASETS[loader]
    if info.sfreq is not None:
        return float(info.sfreq)
    if loader_args.get("sfreq") is not None:
        return float(loader_args["sfreq"])
    return float(_LAYOUTS[loader_args.get("montage", "2b")]["sfreq"])


def _loader_problems(where: str, loader: str, loader_args: Mapping[str, Any]) -> list[str]:
    from .datasets import _LOADERS

    params = inspect.signature(_LOADERS[loader]).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        from .datasets.simulate import SimulationParams

        params = [f.name for f in dataclasses.fields(SimulationParams)]
    allowed = [name for name in params if name != "subject"]
    return [
        f"{where}.loader_args.{key}: not an argument of the {loader!r} loader "
        f"(allowed: {', '.join(allowed)})."
        for key in loader_args
        if key not in allowed
    ]


def _filter_problems(where: str, prep: Mapping[str, Any], rate: float) -> list[str]:
    """Band edges, notch and resampling rate against the Nyquist frequencies."""
    problems = []
    l_freq, h_freq = prep.get("l_freq"), prep.get("h_freq")
    notch, sfreq = prep.get("notch"), prep.get("sfreq")
    nyquist = rate / 2
    if notch is not None and not 0 < notch < nyquist:
        problems.append(
            f"{where}.preprocess.notch = {notch} Hz: must lie in (0, {nyquist:g}) Hz, "
            f"below the Nyquist frequency of the recordings ({rate:g} Hz sampling); "
            "use null for no notch."
        )
    for name, value in (("l_freq", l_freq), ("h_freq", h_freq)):
        if value is not None and not 0 < value < nyquist:
            problems.append(
                f"{where}.preprocess.{name} = {value} Hz: must lie in (0, {nyquist:g}) Hz "
                f"(Nyquist frequency of the recordings, {rate:g} Hz sampling)."
            )
    if l_freq is not None and h_freq is not None and not l_freq < h_freq:
        problems.append(
            f"{where}.preprocess: l_freq ({l_freq} Hz) must be below h_freq ({h_freq} Hz)."
        )
    if sfreq is not None:
        if not sfreq > 0:
            problems.append(f"{where}.preprocess.sfreq = {sfreq}: must be > 0 Hz.")
        elif h_freq is not None and not h_freq < sfreq / 2:
            problems.append(
                f"{where}.preprocess.sfreq = {sfreq} Hz has a Nyquist frequency of "
                f"{sfreq / 2:g} Hz, at or below h_freq = {h_freq} Hz: raise sfreq above "
                f"{2 * h_freq:g} Hz or lower h_freq."
            )
        elif h_freq is None:
            problems.append(
                f"{where}.preprocess.sfreq = {sfreq} Hz needs a low-pass edge h_freq "
                f"below {sfreq / 2:g} Hz (h_freq is null)."
            )
    return problems


def _unknown_subjects(key: str, subjects, loader: str, info) -> list[str]:
    """A problem naming the subjects a dataset does not have (none: empty list)."""
    bad = [s for s in subjects if s not in info.subjects]
    if not bad:
        return []
    return [f"{key}: {bad} not in the {loader!r} dataset "
            f"(subjects {info.subjects.start}..{info.subjects.stop - 1})."]


def _extra_source_problems(where: str, block: Mapping[str, Any], info) -> list[str]:
    """Pre-training-only subjects: in the dataset, not targets, each once."""
    problems = []
    extras = [e["subject"] for e in block.get("extra_sources") or ()]
    targets = sorted(set(extras) & set(block["subjects"]))
    if targets:
        problems.append(
            f"{where}.extra_sources: subjects {targets} are also in {where}.subjects; "
            "an extra source is never a target (remove it from one of the two)."
        )
    repeated = sorted({s for s in extras if extras.count(s) > 1})
    if repeated:
        problems.append(f"{where}.extra_sources: subjects {repeated} are listed more than once.")
    problems += _unknown_subjects(f"{where}.extra_sources", extras, block["loader"], info)
    merged = dict(block.get("loader_args") or {})
    for extra in block.get("extra_sources") or ():
        problems += _loader_problems(
            f"{where}.extra_sources[subject {extra['subject']}]", block["loader"],
            {**merged, **(extra.get("loader_args") or {})})
    return problems


def _dataset_problems(name: str, block: Mapping[str, Any]) -> list[str]:
    from .datasets import DATASETS

    where = f"datasets.{name}"
    loader = block["loader"]
    info = DATASETS[loader]
    loader_args = block.get("loader_args") or {}
    prep = block.get("preprocess") or {}
    problems = _loader_problems(where, loader, loader_args)
    problems += _unknown_subjects(f"{where}.subjects", block["subjects"], loader, info)
    problems += _extra_source_problems(where, block, info)
    missing = [c for c in prep.get("classes", ()) if c not in info.classes]
    if missing:
        problems.append(
            f"{where}.preprocess.classes: {missing} not in the {loader!r} dataset "
            f"(classes: {', '.join(info.classes)})."
        )
    tmin, tmax = prep.get("tmin"), prep.get("tmax")
    tmin = info.tmin if tmin is None else tmin
    tmax = info.tmax if tmax is None else tmax
    if not tmin < tmax:
        problems.append(f"{where}.preprocess: tmin ({tmin} s) must be below tmax ({tmax} s).")
    if not tmin < 0:
        # compare's ERD/ERS maps are % change against the pre-cue interval tmin..0 s
        problems.append(
            f"{where}.preprocess: tmin ({tmin} s) must be below 0 s: the ERD/ERS maps "
            "of the compare step need a pre-cue baseline (tmin..0 s)."
        )
    try:
        rate = native_sfreq(loader, loader_args)
    except (KeyError, TypeError, ValueError):
        rate = None  # an invalid montage or sfreq: the loader says which
    if rate is not None:
        problems += _filter_problems(where, prep, rate)
    split = block.get("split") or {}
    if split.get("kind") == "session":
        train, test = split.get("train") or [], split.get("test") or []
        if not train or not test:
            problems.append(
                f"{where}.split: kind 'session' needs non-empty 'train' and 'test' "
                f"session lists (got train={train}, test={test})."
            )
        both = sorted(set(train) & set(test))
        if both:
            problems.append(f"{where}.split: sessions {both} are in both 'train' and 'test'.")
    return problems


def _transfer_problems(config: Mapping[str, Any]) -> list[str]:
    """Per-model transfer settings name models the study trains."""
    per_model = (config.get("transfer") or {}).get("models") or {}
    models = list(config.get("models") or ())
    unknown = [m for m in per_model if m not in models]
    if not unknown:
        return []
    return [f"transfer.models: {unknown} are not among the study's models {models}; "
            "a per-model block must name a model of `models`."]


def check_study_config(config: Mapping[str, Any]) -> None:
    """Raise :class:`ConfigError` if values of a schema-valid config do not fit together.

    Call it after the schema validation filled the defaults. Every problem
    found is listed in one message, each naming the key path, the value and
    what is allowed.

    Parameters
    ----------
    config : mapping
        The study configuration (``config`` of the Snakefile).

    Raises
    ------
    ConfigError
        Listing every problem found.
    """
    problems = []
    for name, block in config["datasets"].items():
        problems += _dataset_problems(name, block)
    problems += _transfer_problems(config)
    if problems:
        raise ConfigError(
            "Invalid study configuration:\n  - " + "\n  - ".join(problems)
        )
