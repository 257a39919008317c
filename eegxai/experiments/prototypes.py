"""Prototype EEG per class by activation maximization: spectrum and side of its rhythms.

What does a trained decoder think a "left hand" trial looks like? Activation
maximization (:func:`eegxai.interpret.activation_maximization`) gives one input
per class, with an ℓ2 penalty or with a Gaussian data prior fitted to the
training trials. Motor imagery desynchronizes mu/beta over the *contralateral*
sensorimotor cortex (Pfurtscheller & Lopes da Silva 1999): a decoder that
learned it should give the left-hand prototype less mu/beta power at C4 than at
C3, and the right-hand prototype the opposite. This module measures each
prototype's Welch spectrum, its log band power per channel, and the
lateralization of band power ``LI = (P_C3 − P_C4) / (P_C3 + P_C4)``.

References
----------
.. [1] Montavon, G., Samek, W. & Müller, K.-R. (2018). Methods for interpreting
   and understanding deep neural networks. Digital Signal Processing 73, 1–15.
.. [2] Pfurtscheller, G. & Lopes da Silva, F. H. (1999). Event-related EEG/MEG
   synchronization and desynchronization. Clin. Neurophysiol. 110, 1842–1857.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from .._check import check_array, check_option

__all__ = ["prototype_eeg"]


def prototype_eeg(
    model,
    X_train,
    *,
    sfreq: float,
    ch_names: Sequence[str],
    classes: Sequence[int] = (0, 1),
    prior: str | None = None,
    lam: float = 1e-2,
    n_steps: int = 300,
    lr: float = 0.05,
    bands: Mapping[str, tuple[float, float]] | None = None,
    left: str = "C3",
    right: str = "C4",
    seed: int = 0,
    device: str = "cpu",
) -> dict:
    """Activation-maximization prototypes of each class and their rhythms.

    Parameters
    ----------
    model : torch.nn.Module
        Trained decoder, input ``(n, n_chans, n_times)``.
    X_train : ndarray, shape (n_trials, n_chans, n_times)
        Training trials: the prototype's shape and the data prior.
    sfreq : float
        Sampling rate in Hz.
    ch_names : sequence of str
        Channel names (``left`` and ``right`` must be among them).
    classes : sequence of int
        Classes to visualise.
    prior : None | 'gaussian' | 'gmm'
        None: ℓ2 penalty ``lam``; otherwise max log p(c|x) + log p(x) with a
        density fitted to ``X_train`` (:func:`eegxai.interpret.fit_prior`) and
        no ℓ2 term.
    lam, n_steps, lr, seed, device
        Passed to :func:`eegxai.interpret.activation_maximization`.
    bands : mapping name → (l_freq, h_freq) | None
        Bands of the power features (default mu 8–13 Hz, beta 13–30 Hz).
    left, right : str
        Channels of the lateralization index.

    Returns
    -------
    result : dict
        ``prototypes`` (n_classes, n_chans, n_times); ``prob`` (n_classes,)
        p(c | x*); ``freqs`` (n_freqs,) and ``psd`` (n_classes, n_chans,
        n_freqs) Welch spectra; ``band_power`` (n_classes, n_bands, n_chans)
        log10 band power; ``lateralization`` (n_classes, n_bands) LI of band
        power (> 0: more power at ``left``); ``bands``, ``classes``, ``prior``.
    """
    from scipy.signal import welch

    from ..analysis.spatial import lateralization_index
    from ..expert.bandpower import SMR_BANDS, log_band_power
    from ..interpret import fit_prior, prototypes

    X_train = check_array(X_train, "X_train", ndim=3)
    check_option("prior", prior, (None, "gaussian", "gmm"))
    bands = dict(SMR_BANDS if bands is None else bands)
    kwargs = {"lam": lam}
    if prior is not None:
        kwargs = {"lam": 0.0, "prior": fit_prior(X_train, kind=prior, seed=seed)}
    # a small seeded random start: band-power decoders (square → log) have no
    # gradient at x = 0
    xs, traces = prototypes(model, [int(c) for c in classes], X_train.shape[1:],
                            n_steps=n_steps, lr=lr, init="random", seed=seed,
                            device=device, **kwargs)
    freqs, psd = welch(xs, fs=sfreq, nperseg=min(xs.shape[-1], int(round(sfreq))), axis=-1)
    power = log_band_power(xs, sfreq, bands)  # (n_classes, n_bands, n_chans)
    li = lateralization_index(10.0**power, ch_names, left=left, right=right)
    return {
        "prototypes": xs,
        "prob": np.array([t["final_prob"] for t in traces]),
        "freqs": freqs,
        "psd": psd,
        "band_power": power,
        "lateralization": li,
        "bands": bands,
        "classes": list(classes),
        "prior": prior,
    }
