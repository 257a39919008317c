"""SpRAy: spectral relevance analysis of many heatmaps (Lapuschkin et al. 2019).

Heatmaps of one class are made comparable (downsized by average pooling and
scaled to unit total absolute relevance), a k-nearest-neighbour affinity graph
is built and clustered spectrally; the eigenvalues of the normalised graph
Laplacian show how many prediction strategies there are (an eigengap after the
k-th eigenvalue = k clusters). A cluster of heatmaps that all light up the same
corner of the image is a Clever Hans strategy, found without knowing about it.

References
----------
.. [1] Lapuschkin, S. et al. (2019). Unmasking Clever Hans predictors and
   assessing what machines really learn. Nature Communications 10, 1096.
.. [2] von Luxburg, U. (2007). A tutorial on spectral clustering. Statistics
   and Computing 17, 395–416.
"""

from __future__ import annotations

import numbers

import numpy as np

from .._check import check_array, validate_type

__all__ = ["spray", "spray_features"]


def spray_features(relevance, *, pool: int = 2) -> np.ndarray:
    """Downsized, normalised heatmaps as feature vectors.

    Parameters
    ----------
    relevance : ndarray, shape (n_images, side, side) or (n_images, 1, side, side)
        Heatmaps.
    pool : int
        Average-pooling factor (the side must be divisible by it).

    Returns
    -------
    features : ndarray, shape (n_images, (side // pool) ** 2)
        Each row sums to 1 in absolute value (all-zero rows stay zero).
    """
    relevance = check_array(relevance, "relevance")
    relevance = relevance.reshape(len(relevance), *relevance.shape[-2:])
    validate_type(pool, numbers.Integral, "pool")
    n, h, w = relevance.shape
    if pool < 1 or h % pool or w % pool:
        raise ValueError(f"'pool' must divide the heatmap side {h}×{w}, but got {pool}.")
    small = relevance.reshape(n, h // pool, pool, w // pool, pool).mean(axis=(2, 4))
    flat = small.reshape(n, -1)
    norm = np.abs(flat).sum(axis=1, keepdims=True)
    return np.divide(flat, norm, out=np.zeros_like(flat), where=norm > 0)


def spray(relevance, *, n_clusters: int = 2, n_neighbors: int = 10, pool: int = 2,
          n_eigenvalues: int = 8, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Cluster heatmaps by spectral clustering of a nearest-neighbour graph.

    Parameters
    ----------
    relevance : ndarray, shape (n_images, side, side) or (n_images, 1, side, side)
        Heatmaps of one class.
    n_clusters : int
        Number of clusters.
    n_neighbors : int
        Neighbours of the affinity graph (scikit-learn's
        ``affinity="nearest_neighbors"``).
    pool : int
        Downsizing factor (:func:`spray_features`).
    n_eigenvalues : int
        How many of the smallest Laplacian eigenvalues to return (eigengap).
    seed : int
        Seed of the k-means step of spectral clustering.

    Returns
    -------
    labels : ndarray of int, shape (n_images,)
        Cluster of every heatmap.
    eigenvalues : ndarray, shape (n_eigenvalues,)
        Smallest eigenvalues of the symmetric normalised Laplacian of the
        affinity graph, ascending.
    """
    from scipy.sparse.csgraph import laplacian
    from sklearn.cluster import SpectralClustering

    features = spray_features(relevance, pool=pool)
    for value, key in ((n_clusters, "n_clusters"), (n_neighbors, "n_neighbors")):
        validate_type(value, numbers.Integral, key)
        if value < 1:
            raise ValueError(f"{key!r} must be >= 1, but got {value!r} instead.")
    n_neighbors = min(int(n_neighbors), len(features) - 1)
    model = SpectralClustering(n_clusters=n_clusters, affinity="nearest_neighbors",
                               n_neighbors=n_neighbors, random_state=seed,
                               assign_labels="kmeans")
    labels = model.fit_predict(features)
    affinity = model.affinity_matrix_
    affinity = 0.5 * (affinity + affinity.T)
    lap = laplacian(affinity.toarray() if hasattr(affinity, "toarray") else affinity,
                    normed=True)
    eigenvalues = np.linalg.eigvalsh(lap)[: int(n_eigenvalues)]
    return labels, eigenvalues
