"""A Clever Hans tag for digit classifiers (the "horse" with a copyright tag).

Lapuschkin et al. (2016, 2019) found that a PASCAL VOC classifier recognised
horses by a copyright tag in the corner of many horse photos. Here a small
bright square (default 4×4 = 2 % of a 28×28 image) is pasted into a corner of a
configurable fraction of one class's training digits. A model trained on these
digits learns the shortcut; :func:`tag_effects` measures it.

References
----------
.. [1] Lapuschkin, S. et al. (2016). Analyzing classifiers: Fisher vectors and
   deep neural networks. CVPR.
.. [2] Lapuschkin, S. et al. (2019). Unmasking Clever Hans predictors and
   assessing what machines really learn. Nature Communications 10, 1096.
"""

from __future__ import annotations

import numbers

import numpy as np

from .._check import check_array, check_random_state, check_range, validate_type

__all__ = ["flip_rate", "paste_tag", "plant_tags", "tag_mask"]

#: Largest tag allowed, as a share of the image's pixels (the issue's 3 %).
MAX_TAG_SHARE = 0.03


def tag_mask(side: int, *, size: int = 4, offset: int = 1) -> np.ndarray:
    """Where the tag goes: a ``size``×``size`` square ``offset`` pixels from the top left.

    Parameters
    ----------
    side : int
        Image side length.
    size : int
        Side of the square tag, in pixels; at most 3 % of the image's pixels.
    offset : int
        Distance of the tag from the top and left borders.

    Returns
    -------
    mask : ndarray of bool, shape (side, side)
    """
    for value, key in ((side, "side"), (size, "size"), (offset, "offset")):
        validate_type(value, numbers.Integral, key)
    if size < 1 or offset < 0 or offset + size > side:
        raise ValueError(
            f"A tag of 'size' {size} at 'offset' {offset} does not fit in a "
            f"{side}×{side} image.")
    if size * size > MAX_TAG_SHARE * side * side:
        raise ValueError(
            f"The tag must cover at most {MAX_TAG_SHARE:.0%} of the image "
            f"({int(MAX_TAG_SHARE * side * side)} pixels), but 'size'={size} "
            f"covers {size * size}.")
    mask = np.zeros((side, side), dtype=bool)
    mask[offset:offset + size, offset:offset + size] = True
    return mask


def paste_tag(X, mask, *, value: float = 1.0) -> np.ndarray:
    """A copy of ``X`` with the tag pixels set to ``value``.

    Parameters
    ----------
    X : ndarray, shape (n_images, 1, side, side)
        Images.
    mask : ndarray of bool, shape (side, side)
        From :func:`tag_mask`.
    value : float
        Pixel value of the tag (1 = white, the brightest MNIST value).

    Returns
    -------
    X_tagged : ndarray, shape (n_images, 1, side, side)
    """
    X = check_array(X, "X", ndim=4)
    mask = np.asarray(mask, dtype=bool)
    if mask.shape != X.shape[-2:]:
        raise ValueError(f"'mask' must have shape {X.shape[-2:]}, but got {mask.shape}.")
    out = X.copy()
    out[:, :, mask] = value
    return out


def plant_tags(X, y, *, tag_class: int, fraction: float, mask,
               seed: int | None = 0) -> tuple[np.ndarray, np.ndarray]:
    """Paste the tag on a seeded random ``fraction`` of the ``tag_class`` images.

    Parameters
    ----------
    X : ndarray, shape (n_images, 1, side, side)
        Images.
    y : ndarray of int, shape (n_images,)
        Labels.
    tag_class : int
        The class whose images carry the tag.
    fraction : float
        Share of that class's images tagged, in [0, 1].
    mask : ndarray of bool, shape (side, side)
        From :func:`tag_mask`.
    seed : int | None
        Seed of the choice.

    Returns
    -------
    X_tagged : ndarray, shape (n_images, 1, side, side)
    tagged : ndarray of bool, shape (n_images,)
        Which images carry the tag.
    """
    y = np.asarray(y)
    check_range(fraction, "fraction", 0.0, 1.0)
    if tag_class not in set(y.tolist()):
        raise ValueError(f"'tag_class' {tag_class!r} is not a label of 'y'.")
    rng = check_random_state(seed)
    members = np.flatnonzero(y == tag_class)
    chosen = rng.permutation(members)[: int(round(fraction * len(members)))]
    tagged = np.zeros(len(y), dtype=bool)
    tagged[chosen] = True
    X_tagged = np.asarray(X).copy()
    X_tagged[tagged] = paste_tag(X_tagged[tagged], mask)
    return X_tagged, tagged


def flip_rate(predict, X, y, *, tag_class: int, mask) -> float:
    """Share of other-class images that flip to ``tag_class`` when the tag is pasted.

    Counted over images of the other classes that are NOT predicted as
    ``tag_class`` without the tag.

    Parameters
    ----------
    predict : callable
        ``predict(X) -> labels (n_images,)``.
    X : ndarray, shape (n_images, 1, side, side)
        Clean test images.
    y : ndarray of int, shape (n_images,)
        Their labels.
    tag_class : int
        The tagged class.
    mask : ndarray of bool, shape (side, side)
        The tag.

    Returns
    -------
    rate : float
        In [0, 1] (NaN if no image qualifies).
    """
    y = np.asarray(y)
    others = np.flatnonzero(y != tag_class)
    clean = np.asarray(predict(X[others]))
    base = others[clean != tag_class]
    if len(base) == 0:
        return float("nan")
    return float((np.asarray(predict(paste_tag(X[base], mask))) == tag_class).mean())


def tag_relevance_mass(model, X, mask, *, target: int, composite: str = "epsilon_plus",
                       **rule_kwargs) -> tuple[np.ndarray, np.ndarray]:
    """LRP heatmaps of tagged images and the share of positive relevance in the tag.

    Parameters
    ----------
    model : torch.nn.Module
        Image classifier.
    X : ndarray, shape (n_images, 1, side, side)
        Images carrying the tag.
    mask : ndarray of bool, shape (side, side)
        The tag.
    target : int
        Class explained.
    composite : str
        LRP composite.
    **rule_kwargs
        Its rule parameters (e.g. ``low``/``high`` for z^B).

    Returns
    -------
    relevance : ndarray, shape (n_images, side, side)
    mass : ndarray, shape (n_images,)
        Relevance mass accuracy of the tag (Arras et al. 2022), in [0, 1];
        chance = the tag's share of the pixels.
    """
    from ..evaluate import relevance_mass_accuracy
    from ..explain import explain

    X = check_array(X, "X", ndim=4, dtype=np.float32)
    relevance = explain(model, X, method="lrp", composite=composite, target=int(target),
                        device="cpu", **rule_kwargs)[:, 0].astype(np.float64)
    return relevance, relevance_mass_accuracy(relevance, mask)


def clever_hans_study(train_model, X_train, y_train, X_test, y_test, *, tag_class: int,
                      fraction: float, mask, composite: str = "epsilon_plus",
                      rule_kwargs: dict | None = None, spray_kwargs: dict | None = None,
                      seed: int = 0) -> tuple[dict, dict]:
    """Train with and without the tag; measure the shortcut and find it by SpRAy.

    Parameters
    ----------
    train_model : callable
        ``train_model(X, y) -> torch.nn.Module`` (seeded; the same for both).
    X_train, y_train, X_test, y_test : ndarray
        Clean images ``(n, 1, side, side)`` and labels ``(n,)``.
    tag_class, fraction, mask
        As in :func:`plant_tags`.
    composite, rule_kwargs
        LRP composite of the heatmaps.
    spray_kwargs : dict | None
        Keyword arguments of :func:`eegxai.image.spray.spray`.
    seed : int
        Seed of the tagged images and of SpRAy.

    Returns
    -------
    metrics : dict
        ``clean_accuracy`` and ``flip_rate`` (tagged and control model),
        ``tag_mass`` (mean relevance mass in the tag on tagged test digits of
        ``tag_class``, both models), ``tag_share`` (chance level),
        ``spray_ari`` (tagged vs untagged training digits of ``tag_class``),
        ``spray_eigenvalues``, ``n_tagged_train``.
    arrays : dict
        Example heatmaps and the SpRAy labels, for the report.
    """
    from sklearn.metrics import adjusted_rand_score

    from .spray import spray
    from .training import accuracy, predict_image_logits

    rule_kwargs = dict(rule_kwargs or {})
    X_tagged, tagged = plant_tags(X_train, y_train, tag_class=tag_class,
                                  fraction=fraction, mask=mask, seed=seed)
    models = {"tagged": train_model(X_tagged, y_train), "control": train_model(X_train,
                                                                             y_train)}
    probe = paste_tag(X_test[np.asarray(y_test) == tag_class], mask)
    metrics = {"n_tagged_train": int(tagged.sum()), "tag_share": float(np.mean(mask)),
               "clean_accuracy": {}, "flip_rate": {}, "tag_mass": {}}
    arrays = {"probe": probe}
    for name, model in models.items():
        metrics["clean_accuracy"][name] = accuracy(model, X_test, y_test)
        metrics["flip_rate"][name] = flip_rate(
            lambda Z, m=model: predict_image_logits(m, Z).argmax(1), X_test, y_test,
            tag_class=tag_class, mask=mask)
        relevance, mass = tag_relevance_mass(model, probe, mask, target=tag_class,
                                             composite=composite, **rule_kwargs)
        metrics["tag_mass"][name] = float(np.nanmean(mass))
        arrays[f"probe_relevance_{name}"] = relevance
    members = np.flatnonzero(np.asarray(y_train) == tag_class)
    relevance, _ = tag_relevance_mass(models["tagged"], X_tagged[members], mask,
                                      target=tag_class, composite=composite,
                                      **rule_kwargs)
    labels, eigenvalues = spray(relevance, seed=seed, **dict(spray_kwargs or {}))
    metrics["spray_ari"] = float(adjusted_rand_score(tagged[members], labels))
    metrics["spray_eigenvalues"] = eigenvalues.tolist()
    arrays.update(spray_relevance=relevance, spray_labels=labels,
                  spray_tagged=tagged[members], spray_images=X_tagged[members])
    return metrics, arrays
