"""20 Newsgroups, offline: the same objects as :func:`sklearn.datasets.fetch_20newsgroups`.

The "bydate" archive shipped with the project (``shared/data/20news-bydate.tar.gz``,
see ``20NEWS_PROVENANCE.md``) is repacked, so its bytes differ from the official
download and scikit-learn's downloader rejects it. :func:`prepare_20newsgroups`
therefore builds scikit-learn's own cache (``20news-bydate_py3.pkz``) from it
exactly the way ``sklearn.datasets._twenty_newsgroups._download_20newsgroups``
does, and :func:`load_20newsgroups` then calls ``fetch_20newsgroups`` with
``download_if_missing=False``. Header, footer and quote removal are
scikit-learn's own functions (``strip_newsgroup_header/footer/quoting``), applied
in scikit-learn's order, so a user with internet access can call
``fetch_20newsgroups`` instead and get the same Bunch.

References
----------
.. [1] Lang, K. (1995). NewsWeeder: learning to filter netnews. ICML.
"""

from __future__ import annotations

import codecs
import os
import pickle
import shutil
import tarfile
import tempfile
from pathlib import Path

import numpy as np

from .._check import check_option, validate_type
from .._io import atomic_path

__all__ = ["CACHE_NAME", "default_archive", "load_20newsgroups", "prepare_20newsgroups"]

#: scikit-learn's cache file name (``_pkl_filepath(data_home, "20news-bydate.pkz")``).
CACHE_NAME = "20news-bydate_py3.pkz"
#: Documented sizes of the bydate split (20NEWS_PROVENANCE.md).
N_TRAIN, N_TEST = 11314, 7532
REMOVE = ("headers", "footers", "quotes")


def _strippers():
    from sklearn.datasets._twenty_newsgroups import (
        strip_newsgroup_footer,
        strip_newsgroup_header,
        strip_newsgroup_quoting,
    )

    return {"headers": strip_newsgroup_header, "footers": strip_newsgroup_footer,
            "quotes": strip_newsgroup_quoting}


_STRIP = _strippers()


def default_archive() -> Path:
    """``shared/data/20news-bydate.tar.gz`` beside the repository checkout."""
    import eegxai

    return Path(eegxai.__file__).resolve().parents[1].parent / "shared" / "data" / (
        "20news-bydate.tar.gz")


def prepare_20newsgroups(
    data_home: str | os.PathLike, *, archive: str | os.PathLike | None = None
) -> Path:
    """Build scikit-learn's 20 Newsgroups cache in ``data_home`` from ``archive``.

    Parameters
    ----------
    data_home : path-like
        Folder of the cache (scikit-learn's ``data_home``).
    archive : path-like | None
        The bydate ``.tar.gz``; None for :func:`default_archive`.

    Returns
    -------
    cache_path : Path
        ``data_home / "20news-bydate_py3.pkz"`` (written atomically; an existing
        cache is kept).
    """
    from sklearn.datasets import load_files

    data_home = Path(data_home)
    cache_path = data_home / CACHE_NAME
    if cache_path.exists():
        return cache_path
    archive = Path(archive) if archive is not None else default_archive()
    if not archive.is_file():
        raise FileNotFoundError(
            f"20 Newsgroups archive not found at {archive}. Pass 'archive' (the "
            "20news-bydate.tar.gz) or use sklearn.datasets.fetch_20newsgroups online."
        )
    data_home.mkdir(parents=True, exist_ok=True)
    # a private extraction folder, so that concurrent builds cannot collide; the
    # file names are then written as scikit-learn writes them (data_home/20news_home)
    scratch = Path(tempfile.mkdtemp(prefix=".20news_home.", dir=data_home))
    twenty_home = data_home / "20news_home"
    try:
        with tarfile.open(archive, "r:gz") as fp:
            fp.extractall(path=scratch, filter="data")
        cache = {}
        for subset in ("train", "test"):
            bunch = load_files(scratch / f"20news-bydate-{subset}", encoding="latin1")
            bunch.filenames = np.array([os.path.join(twenty_home, os.path.relpath(f, scratch))
                                        for f in bunch.filenames])
            cache[subset] = bunch
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    with atomic_path(cache_path) as tmp:
        tmp.write_bytes(codecs.encode(pickle.dumps(cache), "zlib_codec"))
    return cache_path


def load_20newsgroups(
    data_home: str | os.PathLike,
    *,
    subset: str = "train",
    categories: list[str] | None = None,
    remove: tuple[str, ...] = REMOVE,
    shuffle: bool = True,
    random_state: int = 42,
    archive: str | os.PathLike | None = None,
):
    """The 20 Newsgroups Bunch of ``fetch_20newsgroups``, built offline.

    Parameters
    ----------
    data_home : path-like
        Cache folder (see :func:`prepare_20newsgroups`; built on first use).
    subset : {"train", "test", "all"}
        Bydate split (11,314 train / 7,532 test posts).
    categories : list of str | None
        Newsgroups to keep (None for all 20); labels are renumbered in sorted order.
    remove : tuple of {"headers", "footers", "quotes"}
        Parts of each post stripped by scikit-learn's functions.
    shuffle, random_state
        As in ``fetch_20newsgroups``.
    archive : path-like | None
        The bydate archive; None for :func:`default_archive`.

    Returns
    -------
    bunch : sklearn.utils.Bunch
        ``data`` (list of str, n_docs), ``target`` (ndarray, shape (n_docs,)),
        ``target_names`` (list of str), ``filenames`` (ndarray, shape (n_docs,)),
        ``DESCR``.
    """
    from sklearn.datasets import fetch_20newsgroups

    check_option("subset", subset, ("train", "test", "all"))
    validate_type(remove, (tuple, list), "remove")
    for part in remove:
        check_option("remove", part, REMOVE)
    prepare_20newsgroups(data_home, archive=archive)
    bunch = fetch_20newsgroups(
        data_home=os.fspath(data_home), subset=subset, categories=categories,
        remove=(), shuffle=shuffle, random_state=random_state, download_if_missing=False,
    )
    # fetch_20newsgroups strips every post before selecting categories; stripping
    # only the selected posts, with the same functions in the same order, gives the
    # same texts and is much faster for a few classes
    for part in REMOVE:
        if part in remove:
            bunch.data = [_STRIP[part](text) for text in bunch.data]
    return bunch
