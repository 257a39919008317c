"""Data augmentation for ConvNet training: named braindecode.augmentation transforms.

Each name maps to one :mod:`braindecode.augmentation` transform applied to a
training mini-batch with probability 0.5 per trial (Rommel et al. 2022 found
these among the useful ones for motor imagery; none of them swaps the left and
right hemispheres, which would change the class):

===================  ===========================================================
name                 transform
===================  ===========================================================
``smooth_time_mask`` :class:`~braindecode.augmentation.SmoothTimeMask`, a mask
                     of 10 % of the trial length
``ft_surrogate``     :class:`~braindecode.augmentation.FTSurrogate`, phase noise
                     of magnitude 0.5, the same for all channels (keeps the
                     spatial covariance)
``channels_dropout`` :class:`~braindecode.augmentation.ChannelsDropout`, 20 % of
                     the channels
``gaussian_noise``   :class:`~braindecode.augmentation.GaussianNoise`, std 0.1
                     (inputs are standardized)
===================  ===========================================================

References
----------
.. [1] Rommel, C., Paillard, J., Moreau, T., Gramfort, A. (2022). Data
   augmentation for learning predictive models on EEG: a systematic comparison.
   J. Neural Eng. 19(6), 066020.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch

from ._check import check_option, validate_type

AUGMENTATIONS: tuple[str, ...] = (
    "smooth_time_mask",
    "ft_surrogate",
    "channels_dropout",
    "gaussian_noise",
)

Augmenter = Callable[[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]


def make_augmentation(
    names: Sequence[str] | None, n_times: int, seed: int
) -> Augmenter | None:
    """The composed transform of ``names`` (None or empty: no augmentation).

    Parameters
    ----------
    names : sequence of str | None
        Names of :data:`AUGMENTATIONS`, applied in this order.
    n_times : int
        Trial length in samples (sets the time-mask length).
    seed : int
        Seeds every transform's random draws (reproducible training).

    Returns
    -------
    augment : callable | None
        ``augment(X, y) -> (X, y)`` on tensors of shape (batch, n_channels,
        n_times) and (batch,).
    """
    from braindecode import augmentation as aug

    if not names:
        return None
    validate_type(names, (list, tuple), "augmentation")
    factories = {
        "smooth_time_mask": lambda: aug.SmoothTimeMask(
            0.5, mask_len_samples=max(1, n_times // 10), random_state=seed),
        "ft_surrogate": lambda: aug.FTSurrogate(
            0.5, phase_noise_magnitude=0.5, channel_indep=False, random_state=seed),
        "channels_dropout": lambda: aug.ChannelsDropout(
            0.5, p_drop=0.2, random_state=seed),
        "gaussian_noise": lambda: aug.GaussianNoise(0.5, std=0.1, random_state=seed),
    }
    for name in names:
        check_option("augmentation", name, AUGMENTATIONS)
    return aug.Compose([factories[name]() for name in names])
