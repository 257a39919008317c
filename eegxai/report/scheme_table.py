"""Decoding table of a transfer study: every decoder under every training scheme.

One row per subject, one column per decoder on the same test trials:

``"{model} within"``   within-subject ConvNet (``results/metrics/…/{model}.json``
                       without transfer, ``results/transfer/…/{model}-within.json``
                       with it)
``"{model} ft"``       pre-trained on the other subjects, fine-tuned on the
                       target's training folds (``results/metrics/…/{model}.json``
                       whose ``"scheme"`` is ``"pretrained+finetuned"``)
``"{model} zs"``       the pre-trained model, zero-shot
                       (``results/transfer/…/{model}-zeroshot.json``)
``"{method}"``         every within-subject baseline (``results/baselines/{ds}/{sub}.json``)
                       and the cross-subject one (``results/transfer/…/baselines.json``)

:func:`read_decoding_results` reads those files (a missing file is a blank
cell), :func:`scheme_table` makes the table, its mean and the number of subjects
above the binomial chance level (p ≤ 0.05, :func:`eegxai.metrics.chance_accuracy`
with the subject's number of test trials), and :func:`explanation_counts` says,
for the subjects a model decodes above chance, how often its band-occlusion
peak (:func:`eegxai.pipeline.band_occlusion_step`) and its first-layer relevance
spectrum peak in 8–30 Hz and its relevance lateralization agrees with the ERD
lateralization (values of :func:`eegxai.compare.compare_subject`).
:func:`study_files` finds the files of a results folder by that layout.

References
----------
.. [1] Combrisson, E., & Jerbi, K. (2015). Exceeding chance level by chance: the
       caveat of theoretical chance levels in brain signal classification and
       statistical assessment of decoding accuracy. Journal of Neuroscience
       Methods, 250, 126-136.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .._check import check_range, validate_type
from .._io import read_json

__all__ = ["MODELS", "SchemeTable", "explanation_counts", "primary_column",
           "read_decoding_results", "scheme_table", "study_files"]

#: ConvNets of the study.
MODELS = ("shallow", "deep", "eegnet")
#: Column suffix of each ``"scheme"`` of a metrics file.
SCHEME_SUFFIX = {"within": "within", "pretrained+finetuned": "ft", "zero-shot": "zs"}


def study_files(root: str | os.PathLike, dataset: str, *,
                models: Sequence[str] = MODELS) -> list[Path]:
    """Every decoding-result file of ``dataset`` present under ``root``.

    Parameters
    ----------
    root : path-like
        The ``results`` folder.
    dataset : str
        Dataset name.
    models : sequence of str
        ConvNet names looked for.

    Returns
    -------
    paths : list of pathlib.Path
        Existing files in the layout of the module docstring.
    """
    root = Path(root)
    paths = sorted((root / "baselines" / dataset).glob("*.json"))
    for sub in sorted((root / "metrics" / dataset).glob("sub-*")):
        paths += [sub / f"{m}.json" for m in models]
    for sub in sorted((root / "transfer" / dataset).glob("sub-*")):
        paths += [sub / f"{m}-{tag}.json" for m in models for tag in ("within", "zeroshot")]
        paths.append(sub / "baselines.json")
    return [p for p in paths if p.is_file()]


def _entries(path: Path, data: Mapping) -> tuple[str, dict[str, Mapping]]:
    """(subject, {column: metrics}) of one file.

    From its ``subject``, ``model``, ``scheme`` and ``methods`` keys; from the
    layout of the module docstring where a key is absent.
    """
    if "methods" in data:  # within- or cross-subject baselines
        fallback = path.parent.name if path.name == "baselines.json" else path.stem
        return str(data.get("subject") or fallback), dict(data["methods"])
    stem = path.stem.removesuffix("-within").removesuffix("-zeroshot")
    scheme = data.get("scheme", "zero-shot" if path.stem.endswith("-zeroshot") else "within")
    if scheme not in SCHEME_SUFFIX:
        raise ValueError(f"Invalid value for the 'scheme' of {path}. Allowed values are "
                         f"{sorted(SCHEME_SUFFIX)}, but got {scheme!r} instead.")
    column = f"{data.get('model') or stem} {SCHEME_SUFFIX[scheme]}"
    return str(data.get("subject") or path.parent.name), {column: data}


def read_decoding_results(
    paths: Sequence[str | os.PathLike],
) -> dict[str, dict[str, dict]]:
    """Read the decoding results of a study; missing files are skipped.

    Parameters
    ----------
    paths : sequence of path-like
        Files in the layout of the module docstring (metrics, transfer and
        baselines JSONs of any subjects, in any order).

    Returns
    -------
    results : dict
        ``{subject: {column: metrics dict}}``, subjects sorted; a metrics dict
        holds ``accuracy`` and ``confusion_matrix`` (n_classes, n_classes)
        summed over the test folds.
    """
    results: dict[str, dict[str, dict]] = {}
    for path in map(Path, paths):
        if not path.is_file():
            continue
        subject, entries = _entries(path, read_json(path))
        results.setdefault(subject, {}).update(entries)
    return dict(sorted(results.items()))


@dataclass(frozen=True)
class SchemeTable:
    """Test accuracy of every decoder per subject, with binomial chance.

    Attributes
    ----------
    accuracy : pandas.DataFrame, shape (n_subjects, n_decoders)
        Mean test-fold accuracy; NaN where a file is missing.
    above_chance : pandas.DataFrame, shape (n_subjects, n_decoders)
        Pooled test accuracy ≥ the subject's binomial chance level (nullable
        boolean; NA where missing).
    n_test : pandas.Series, shape (n_subjects,)
        Test trials per subject (nullable integer).
    chance : pandas.Series, shape (n_subjects,)
        The subject's chance level at ``alpha``.
    summary : pandas.DataFrame, shape (n_decoders, 3)
        Per decoder: ``mean`` accuracy over subjects with a value,
        ``n_above_chance`` and ``n_subjects``.
    alpha : float
        Significance level of the chance level.
    """

    accuracy: pd.DataFrame
    above_chance: pd.DataFrame
    n_test: pd.Series
    chance: pd.Series
    summary: pd.DataFrame
    alpha: float


def _pooled(metrics: Mapping, alpha: float) -> tuple[int | None, float | None, bool | None]:
    """(test trials, chance level, above chance) from a summed confusion matrix."""
    from ..metrics import chance_accuracy

    if "confusion_matrix" not in metrics:
        return metrics.get("n_trials"), None, None
    confusion = np.asarray(metrics["confusion_matrix"], dtype=float)
    n = int(confusion.sum())
    if n == 0:
        return None, None, None
    chance = chance_accuracy(n, len(confusion), alpha=alpha)
    return n, chance, bool(np.trace(confusion) / n >= chance)


def scheme_table(results: Mapping[str, Mapping[str, Mapping]], *,
                 alpha: float = 0.05) -> SchemeTable:
    """Accuracy table, mean row and subjects above binomial chance.

    A decoder is above chance for a subject when the accuracy of its confusion
    matrix summed over test folds reaches :func:`eegxai.metrics.chance_accuracy`
    of the subject's test trials (p ≤ ``alpha`` under Binomial(n, 1/n_classes),
    Combrisson & Jerbi 2015 [1]_); the same rule as
    :func:`eegxai.metrics.mean_over_folds`' ``above_chance``.

    Parameters
    ----------
    results : mapping
        ``{subject: {column: metrics dict}}``, e.g. from
        :func:`read_decoding_results`.
    alpha : float
        Significance level, in (0, 1).

    Returns
    -------
    table : SchemeTable
        ConvNet columns (``"{model} {scheme}"``) first, then baselines, each
        group sorted by name.
    """
    validate_type(results, Mapping, "results")
    check_range(alpha, "alpha", 0.0, 1.0)
    if alpha in (0.0, 1.0):
        raise ValueError(f"'alpha' must lie in (0, 1), but got {alpha!r} instead.")
    subjects = list(results)
    columns = sorted({c for row in results.values() for c in row},
                     key=lambda c: (" " not in c, c))
    accuracy = pd.DataFrame(np.nan, index=subjects, columns=columns)
    above = pd.DataFrame(pd.NA, index=subjects, columns=columns, dtype="boolean")
    n_test = pd.Series(pd.NA, index=subjects, dtype="Int64")
    chance = pd.Series(np.nan, index=subjects)
    for sub, row in results.items():
        for column, metrics in row.items():
            accuracy.loc[sub, column] = float(metrics["accuracy"])
            n, level, ok = _pooled(metrics, alpha)
            if ok is not None:
                above.loc[sub, column] = ok
            if n is not None and pd.isna(n_test[sub]):
                n_test[sub], chance[sub] = n, np.nan if level is None else level
    summary = pd.DataFrame({"mean": accuracy.mean(),
                            "n_above_chance": above.sum().astype(int),
                            "n_subjects": accuracy.notna().sum()})
    return SchemeTable(accuracy, above, n_test, chance, summary, float(alpha))


def primary_column(table: SchemeTable, model: str) -> str | None:
    """The column of the model the study explains: fine-tuned when present."""
    return next((f"{model} {s}" for s in ("ft", "within")
                 if f"{model} {s}" in table.accuracy.columns), None)


def explanation_counts(
    table: SchemeTable,
    comparisons: Mapping[tuple[str, str], Mapping],
    *,
    models: Sequence[str] = MODELS,
    band: tuple[float, float] = (8.0, 30.0),
    occlusion: Mapping[tuple[str, str], Mapping] | None = None,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """What the explanations show for the subjects a model decodes above chance.

    For each model, the subjects whose explained model (:func:`primary_column`)
    is above chance; of those with a band-occlusion file, how many have the
    band-occlusion peak (``peak_freq``) inside ``band``, and how many of those
    with ``p_peak < alpha``; of those with an agreement file, how many have the
    first-layer relevance spectrum peak (``peak_distance_first_layer``'s
    ``peak_freq``) inside ``band``, and the relation of the relevance
    lateralization to the ERD lateralization (``lateralization_agreement``'s
    ``relation``: ``"same"`` = agrees for every class).

    Parameters
    ----------
    table : SchemeTable
        Output of :func:`scheme_table`.
    comparisons : mapping
        ``{(subject, model): agreement dict}`` as written by
        :func:`eegxai.compare.write_comparison`.
    models : sequence of str
        ConvNet names.
    band : (float, float)
        Frequency band in Hz.
    occlusion : mapping | None
        ``{(subject, model): band-occlusion dict}`` as written by
        :func:`eegxai.pipeline.band_occlusion_step` (None: none).
    alpha : float
        Significance level of the band-occlusion peak's ``p_peak``.

    Returns
    -------
    counts : pandas.DataFrame, shape (n_models, 10)
        Index: models with a column in ``table``; columns ``n_decoded``,
        ``n_occlusion`` (with a band-occlusion file), ``occlusion_in_band``,
        ``occlusion_significant`` (in band and ``p_peak < alpha``),
        ``n_peak`` (with a first-layer peak), ``peak_in_band``,
        ``n_lateralization`` (with a lateralization agreement), ``same``,
        ``opposite``, ``mixed``.
    """
    validate_type(table, SchemeTable, "table")
    check_range(alpha, "alpha", 0.0, 1.0)
    occlusion = {} if occlusion is None else occlusion
    validate_type(occlusion, Mapping, "occlusion")
    low, high = band
    rows = {}
    for model in models:
        column = primary_column(table, model)
        if column is None:
            continue
        flags = table.above_chance[column].fillna(False)
        decoded = list(flags.index[flags.to_numpy(bool)])
        metrics = [comparisons[(s, model)].get("metrics", {}) for s in decoded
                   if (s, model) in comparisons]
        peaks = [m["peak_distance_first_layer"]["peak_freq"] for m in metrics
                 if "peak_freq" in m.get("peak_distance_first_layer", {})]
        relations = [m["lateralization_agreement"].get("relation") for m in metrics
                     if m.get("lateralization_agreement")]
        occluded = [occlusion[(s, model)] for s in decoded if (s, model) in occlusion]
        in_band = [o for o in occluded if low <= o["peak_freq"] <= high]
        rows[model] = {"n_decoded": len(decoded), "n_occlusion": len(occluded),
                       "occlusion_in_band": len(in_band),
                       "occlusion_significant": sum(o["p_peak"] < alpha for o in in_band),
                       "n_peak": len(peaks),
                       "peak_in_band": sum(low <= f <= high for f in peaks),
                       "n_lateralization": len(relations),
                       **{r: relations.count(r) for r in ("same", "opposite", "mixed")}}
    columns = ["n_decoded", "n_occlusion", "occlusion_in_band", "occlusion_significant",
               "n_peak", "peak_in_band", "n_lateralization", "same", "opposite", "mixed"]
    return pd.DataFrame.from_dict(rows, orient="index", columns=columns)
