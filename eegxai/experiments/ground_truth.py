"""Does LRP recover what was planted? Ground-truth checks on simulated EEG.

A simulated subject (:func:`eegxai.datasets.simulate.simulate_subject`, BCI IV
2b layout) carries a contralateral mu/beta ERD in a known band, on a known
hemisphere, in a known time window. After training a ShallowFBCSPNet on its
training sessions and explaining its test trials with LRP (for the true class),
:func:`ground_truth_check` asks three questions:

1. **Which rhythm** — does the first-layer relevance spectrum (the FIR
   responses of the temporal filters weighted by their positive relevance,
   :func:`eegxai.analysis.first_layer_relevance_spectrum`) peak inside the
   planted mu or beta band?
2. **Where** — does the class difference of the lateralization of absolute
   channel relevance point to the planted side? The planted ERD of right-hand
   imagery lies over C3 and that of left-hand imagery over C4. An ERD is an
   *absence* of power, and LRP through the square → pool → log chain
   distributes relevance in proportion to the power that is present (see
   :mod:`eegxai.explain.rules`): the relevance of a trial therefore sits on the
   hemisphere whose rhythm is *intact* — ipsilateral to the imagined hand —
   and the contrast between the classes pins the ERD side down. With
   ``LI = (|R|_C3 − |R|_C4) / (|R|_C3 + |R|_C4)`` the planted side is
   recovered when ``LI(right_hand) − LI(left_hand) < 0`` (right-hand trials
   lose C3 power, so their relevance moves to C4). We measured this relation
   in every simulated subject (``benchmarks/ground_truth_rates.py``); the
   same holds for the helper's oracle band-power model
   (``eegxai.compare.lateralization_agreement`` reports it as "opposite").
3. **When** — does the time course of absolute relevance (summed over
   channels, mean over trials) peak inside the planted ERD window?

``benchmarks/ground_truth_rates.py`` reports the rates over many subjects and
seeds; ``tests/experiments/test_ground_truth.py`` runs a small configuration.
"""

from __future__ import annotations

import numpy as np

from .._check import check_positive


def simulated_sessions(
    subject: int,
    *,
    seed: int,
    n_trials_per_class: int,
    sessions,
    preprocess_kwargs: dict | None = None,
    **simulate_kwargs,
):
    """Simulate a 2b-layout subject, preprocess it, and split it by session.

    Parameters
    ----------
    subject, seed : int
        Passed to :func:`eegxai.datasets.simulate.simulate_subject`.
    n_trials_per_class : int
        Trials per class and session.
    sessions : sequence of str
        Session labels; those ending in ``T`` train, the others test.
    preprocess_kwargs : dict | None
        Extra keyword arguments of :func:`eegxai.preprocessing.preprocess`
        (channels C3, Cz, C4 and the −0.5–4 s window are fixed).
    **simulate_kwargs
        Further simulator arguments (ERD, blinks).

    Returns
    -------
    X : ndarray, shape (n_epochs, n_channels, n_times)
    y : ndarray of int, shape (n_epochs,)
    train : ndarray of bool, shape (n_epochs,)
        Trials of the training sessions.
    epochs : mne.Epochs
    truth : eegxai.datasets.simulate.GroundTruth
    """
    from ..datasets.simulate import simulate_subject
    from ..preprocessing import epochs_to_arrays, preprocess

    raws, truth = simulate_subject(
        subject, montage="2b", n_trials_per_class=n_trials_per_class,
        sessions=list(sessions), seed=seed, **simulate_kwargs,
    )
    epochs = preprocess(raws, channels=["C3", "Cz", "C4"], tmin=-0.5, tmax=4.0,
                        **(preprocess_kwargs or {}))
    X, y, metadata = epochs_to_arrays(epochs)
    train = metadata["session"].astype(str).str.endswith("T").to_numpy()
    return X, y, train, epochs, truth


def accuracy(model, X, y) -> float:
    """Share of trials of ``X`` whose predicted class (on the CPU) is ``y``."""
    from ..training import predict_proba

    return float((predict_proba(model, X, device="cpu").argmax(axis=1) == y).mean())


def ground_truth_check(
    subject: int,
    *,
    seed: int = 0,
    n_trials_per_class: int = 40,
    sessions=("01T", "02T", "03T", "04E"),
    erd_window: tuple[float, float] = (1.0, 3.0),
    n_epochs: int = 40,
    composite: str = "epsilon_plus_flat",
    band_tolerance: float = 1.0,
    time_tolerance: float = 0.25,
    device: str = "cpu",
) -> dict:
    """Train, explain and score one simulated subject against its ground truth.

    Parameters
    ----------
    subject : int
        Simulated subject number (sets the subject's mu/beta peak, sources, ...).
    seed : int
        Simulation and training seed.
    n_trials_per_class : int
        Trials per class and session.
    sessions : sequence of str
        Session labels; those ending in ``T`` train, the others test.
    erd_window : (float, float)
        Planted full-depth ERD window in s after the cue.
    n_epochs : int
        Training epochs (early stopping on a validation split of the training
        sessions).
    composite : str
        LRP composite.
    band_tolerance : float
        Hz by which the spectral peak may lie outside the planted band.
    time_tolerance : float
        Seconds by which the time-course peak may lie outside the window (the
        simulator ramps the ERD in and out).
    device : str
        'cpu', 'cuda' or 'auto'.

    Returns
    -------
    result : dict
        ``accuracy`` on the test sessions; ``peak_freq``, ``band`` (planted mu
        and beta bands), ``spectrum_ok``; ``li`` (per class), ``li_difference``
        (right − left), ``lateralization_ok`` (``li_difference < 0``, see the
        module docstring); ``peak_time``, ``window``,
        ``time_ok``; and the ground truth.
    """
    from ..analysis import (
        channel_relevance,
        first_layer_fir,
        first_layer_relevance_spectrum,
        lateralization_index,
        peak_frequency,
        relevance_time_course,
    )
    from ..explain import explain, explain_layer
    from ..training import fit_model

    check_positive(n_epochs, "n_epochs")
    X, y, train, epochs, truth = simulated_sessions(
        subject, seed=seed, n_trials_per_class=n_trials_per_class, sessions=sessions,
        erd_window=erd_window,
    )
    net, _, _ = fit_model(X[train], y[train], model="shallow", n_epochs=n_epochs,
                          seed=seed, progress=False, device=device)
    net = net.cpu().eval()
    X_test, y_test = X[~train], y[~train]
    test_accuracy = accuracy(net, X_test, y_test)

    sfreq = epochs.info["sfreq"]
    relevance = explain(net, X_test, method="lrp", composite=composite, target=y_test)
    layer = explain_layer(net, X_test, layer="conv_time", composite=composite,
                          target=y_test)
    spectrum = first_layer_relevance_spectrum(first_layer_fir(net), layer, sfreq,
                                              fmax=45.0)
    peak = peak_frequency(spectrum["freqs"], spectrum["positive"], fmin=4.0, fmax=40.0)
    truth_dict = truth.to_dict()
    bands = [tuple(truth_dict["erd_band"]), tuple(truth_dict["beta_band"])]
    spectrum_ok = any(lo - band_tolerance <= peak <= hi + band_tolerance
                      for lo, hi in bands)

    class_names = list(epochs.event_id)
    per_channel = channel_relevance(relevance, absolute=True)
    li = {name: float(lateralization_index(per_channel[y_test == k].mean(0),
                                           epochs.ch_names))
          for k, name in enumerate(class_names)}
    li_difference = li["right_hand"] - li["left_hand"]

    course = relevance_time_course(relevance, times=epochs.times, absolute=True)["all"]
    peak_time = float(epochs.times[int(np.argmax(course["mean"]))])
    time_ok = erd_window[0] - time_tolerance <= peak_time <= erd_window[1] + time_tolerance
    return {
        "seed": seed,
        "subject": subject,
        "accuracy": test_accuracy,
        "peak_freq": float(peak),
        "band": bands,
        "spectrum_ok": bool(spectrum_ok),
        "li": li,
        "li_difference": float(li_difference),
        "lateralization_ok": bool(li_difference < 0),
        "peak_time": peak_time,
        "window": list(erd_window),
        "time_ok": bool(time_ok),
        "truth": truth_dict,
    }
