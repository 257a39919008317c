"""Clever Hans check: eye blinks instead of motor-cortex rhythms.

Does the decoder use eye blinks instead of the motor cortex?

Lapuschkin et al. (2019) showed classifiers that decide from a watermark
instead of the object. The EEG analogue is a decoder that uses eye blinks or
eye movements that happen to correlate with the class (a subject who blinks
after left-hand cues). :func:`clever_hans_experiment` plants exactly that in
simulated 2b-layout data — blinks in most trials of one class, only a weak
ERD — keeps the EOG channels as model input, trains a ShallowFBCSPNet and
measures

- the share of LRP relevance on the EOG channels (chance: 3 of 6 channels),
- the test accuracy with the artefact, and on the same subject simulated
  without the class-correlated blinks (the artefact removed): a decoder that
  learned the shortcut drops towards chance.

:func:`eog_flag` turns an EOG relevance share into the report's warning.

References
----------
.. [1] Lapuschkin S. et al. (2019). Unmasking Clever Hans predictors and
   assessing what machines really learn. Nat. Commun. 10:1096.
"""

from __future__ import annotations

import numpy as np

from .._check import check_range

#: A model is flagged when its relevance share on EOG channels exceeds this
#: multiple of the share expected if relevance were spread evenly over channels.
EOG_FLAG_FACTOR = 1.5


def eog_flag_threshold(chance: float, *, factor: float = EOG_FLAG_FACTOR) -> float:
    """EOG relevance share above which a model is flagged: ``min(1, factor · chance)``.

    ``chance`` is the share expected if relevance were spread evenly over the
    input channels (``n_eog / n_chans``).
    """
    return min(1.0, factor * chance)


def eog_flag(share: float, n_eog: int, n_chans: int, *, factor: float = EOG_FLAG_FACTOR) -> bool:
    """True when relevance concentrates on EOG channels beyond ``factor`` × chance.

    Parameters
    ----------
    share : float
        Mean share of absolute relevance on the EOG channels (0–1,
        :func:`eegxai.evaluate.relevance_share`).
    n_eog, n_chans : int
        Number of EOG channels and of all input channels.
    factor : float
        Multiple of the even-spread share ``n_eog / n_chans`` that raises the flag.
    """
    check_range(share, "share", 0.0, 1.0)
    return bool(share > eog_flag_threshold(n_eog / n_chans, factor=factor))


def clever_hans_experiment(
    subject: int = 1,
    *,
    seed: int = 0,
    blink_class: str = "left_hand",
    blink_prob: float = 0.9,
    blink_rate: float = 0.0,
    erd_depth: float = 0.2,
    n_trials_per_class: int = 40,
    sessions=("01T", "02T", "03T", "04E"),
    n_epochs: int = 30,
    l_freq: float = 0.5,
    composite: str = "epsilon_plus_flat",
    device: str = "cpu",
) -> dict:
    """Train on blink-contaminated simulated EEG and measure the shortcut.

    Parameters
    ----------
    subject, seed : int
        Simulated subject and seed.
    blink_class : str
        Class whose trials get a blink with probability ``blink_prob`` (the
        other class with ``1 − blink_prob``).
    blink_prob : float
        Blink probability in ``blink_class`` trials.
    blink_rate : float
        Rate in Hz of spontaneous blinks at random times (none by default, so
        the planted blinks are the only ones).
    erd_depth : float
        Depth of the genuine ERD (weak by default, so the shortcut pays).
    n_trials_per_class : int
        Trials per class and session.
    sessions : sequence of str
        Sessions; ``T`` sessions train, the others test.
    n_epochs : int
        Training epochs.
    l_freq : float
        High-pass edge of the preprocessing in Hz.
    composite : str
        LRP composite.
    device : str
        'cpu', 'cuda' or 'auto'.

    Returns
    -------
    result : dict
        ``accuracy_with_artefact`` and ``accuracy_without_artefact`` (test
        sessions), ``eog_share`` (LRP relevance share on EOG1–3 in the
        contaminated test trials), ``eog_chance`` (3/6), ``flagged``
        (:func:`eog_flag`), ``eog_share_per_class``, ``eog_share_occlusion``
        (the same share for occlusion), ``blink_time_share`` (share of
        relevance, summed over channels, on the blink samples — EOG amplitude
        above 6× its median; ``blink_sample_fraction`` of all samples), and
        the same numbers (``control_*``) for a control model trained on the
        same subject without the class-correlated blinks and explained on the
        same contaminated test trials.

    Notes
    -----
    The accuracy drop on artefact-free data is the proof of the shortcut. The
    relevance numbers are what a user can compute without that proof. With
    per-channel standardized inputs and a band-power network, LRP through
    square → pool → log distributes relevance in proportion to the power
    present, so the channel share (EOG vs EEG) stays near the even-spread
    value; the *time* share on the blinks is the readout that moves, and it
    must be read against a control model on the same inputs, because any
    model puts relevance on high-power blink samples.
    """
    from ..evaluate import relevance_share
    from ..explain import explain
    from ..training import fit_model
    from .ground_truth import accuracy, simulated_sessions

    check_range(blink_prob, "blink_prob", 0.0, 1.0)

    def arrays(blinks: str | None):
        # The EOG stays in the model input and is not regressed out of the EEG;
        # the 0.5 Hz high-pass keeps the blinks' slow waveform (a 4 Hz one, as
        # for the motor-imagery models, would remove most of it).
        X, y, train, epochs, _ = simulated_sessions(
            subject, seed=seed, n_trials_per_class=n_trials_per_class,
            sessions=sessions, erd_depth=erd_depth, blink_class=blinks,
            blink_prob=blink_prob, blink_rate=blink_rate,
            preprocess_kwargs={"eog_regression": False, "keep_eog": True,
                               "l_freq": l_freq},
        )
        return X, y, train, epochs.ch_names

    X, y, train, ch_names = arrays(blink_class)
    net, _, _ = fit_model(X[train], y[train], model="shallow", n_epochs=n_epochs,
                          seed=seed, progress=False, device=device)
    net = net.cpu().eval()
    X_clean, y_clean, train_clean, _ = arrays(None)
    X_test, y_test = X[~train], y[~train]
    eog = [c for c in ch_names if c.upper().startswith("EOG")]

    eog_idx = [ch_names.index(c) for c in eog]
    # Blink samples: the EOG amplitude exceeds 6× its median absolute value.
    eog_abs = np.abs(X_test[:, eog_idx]).max(axis=1)
    blink_mask = eog_abs > 6 * np.median(np.abs(X_test[:, eog_idx]))

    def shares(model):
        out = {}
        for method in ("lrp", "occlusion"):
            kwargs = {"composite": composite} if method == "lrp" else {}
            relevance = explain(model, X_test, method=method, target=y_test, **kwargs)
            mass = np.abs(relevance).sum(axis=1)  # (n_trials, n_times)
            out[method] = relevance_share(relevance, eog, ch_names=ch_names)
            out[f"{method}_blink_time"] = (mass * blink_mask).sum(1) / mass.sum(1)
        return out

    trained = shares(net)
    share = trained["lrp"]
    eog_share = float(np.nanmean(share))
    # Control: the same subject and training without the class-correlated
    # blinks, explained on the *same* contaminated test trials, so that any
    # difference comes from the model, not from the input.
    control, _, _ = fit_model(X_clean[train_clean], y_clean[train_clean], model="shallow",
                              n_epochs=n_epochs, seed=seed, progress=False, device=device)
    control = control.cpu().eval()
    reference = shares(control)
    return {
        "subject": subject,
        "seed": seed,
        "ch_names": list(ch_names),
        "accuracy_with_artefact": accuracy(net, X_test, y_test),
        "accuracy_without_artefact": accuracy(net, X_clean[~train_clean],
                                              y_clean[~train_clean]),
        "eog_share": eog_share,
        "eog_share_per_class": {int(k): float(np.nanmean(share[y_test == k]))
                                for k in np.unique(y_test)},
        "eog_share_occlusion": float(np.nanmean(trained["occlusion"])),
        "blink_time_share": float(np.nanmean(trained["lrp_blink_time"])),
        "blink_time_share_occlusion": float(np.nanmean(trained["occlusion_blink_time"])),
        "blink_sample_fraction": float(blink_mask.mean()),
        "control_accuracy": accuracy(control, X_test, y_test),
        "control_eog_share": float(np.nanmean(reference["lrp"])),
        "control_eog_share_occlusion": float(np.nanmean(reference["occlusion"])),
        "control_blink_time_share": float(np.nanmean(reference["lrp_blink_time"])),
        "control_blink_time_share_occlusion": float(
            np.nanmean(reference["occlusion_blink_time"])),
        "eog_chance": len(eog) / len(ch_names),
        "flagged": eog_flag(eog_share, len(eog), len(ch_names)),
    }
