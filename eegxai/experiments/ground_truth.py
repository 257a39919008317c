"""Does LRP recover what was planted? Ground-truth checks on simulated EEG.

A simulated subject (:func:`eegxai.datasets.simulate.simulate_subject`, BCI IV
2b layout at 250 Hz or EEGMMIDB's 64 channels at 160 Hz) carries a
contralateral mu/beta ERD in a known band, on a known hemisphere, in a known
time window. After training a ShallowFBCSPNet or Deep4Net on its training
sessions (runs) and explaining its test trials with LRP (for the true class),
:func:`ground_truth_check` asks three questions:

1. **Which rhythm** — does the frequency evidence peak inside the planted mu
   or beta band? Scored for four spectra (:data:`SPECTRA`): the band
   occlusion of the true-class margin (:func:`eegxai.analysis.band_occlusion`,
   2 Hz bands; the one the subject and group reports lead with), the FIR
   responses of the temporal filters weighted by their positive relevance
   (:func:`eegxai.analysis.first_layer_relevance_spectrum`; resolution about
   ``sfreq / filter_len``), the DFT-LRP relevance of the input frequencies
   (:func:`eegxai.analysis.frequency_relevance`, 1 Hz bins) and the
   amplitude-perturbation correlation.
   What each recovers per layout and model, and the chance level of the
   check, are measured in docs/explain.md.
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
    sessions=None,
    montage: str = "2b",
    runs=None,
    preprocess_kwargs: dict | None = None,
    **simulate_kwargs,
):
    """Simulate a subject, preprocess it, and split it into training and test trials.

    Parameters
    ----------
    subject, seed : int
        Passed to :func:`eegxai.datasets.simulate.simulate_subject`.
    n_trials_per_class : int
        Trials per class and recording (session or run).
    sessions : sequence of str | None
        ``montage="2b"``: session labels; those ending in ``T`` train, the
        others test (None: the simulator's five sessions).
    montage : {"2b", "64"}
        ``"2b"``: C3, Cz, C4 at 250 Hz; ``"64"``: the 64 EEGMMIDB channels at
        160 Hz, one session of ``runs``.
    runs : sequence of str | None
        ``montage="64"``: run labels (None: 4, 8, 12); the last run is the test
        run, the others train.
    preprocess_kwargs : dict | None
        Extra keyword arguments of :func:`eegxai.preprocessing.preprocess`
        (the channels and the −0.5–4 s window are fixed).
    **simulate_kwargs
        Further simulator arguments (ERD, blinks).

    Returns
    -------
    X : ndarray, shape (n_epochs, n_channels, n_times)
    y : ndarray of int, shape (n_epochs,)
    train : ndarray of bool, shape (n_epochs,)
        Trials of the training sessions (runs).
    epochs : mne.Epochs
    truth : eegxai.datasets.simulate.GroundTruth
    """
    from .._check import check_option
    from ..datasets.simulate import simulate_subject
    from ..preprocessing import epochs_to_arrays, preprocess

    check_option("montage", montage, ("2b", "64"))
    if montage == "2b":
        sessions = ("01T", "02T", "03T", "04E", "05E") if sessions is None else sessions
        layout = {"sessions": list(sessions)}
        channels = ["C3", "Cz", "C4"]
    else:
        runs = ("4", "8", "12") if runs is None else runs
        layout = {"runs": list(runs)}
        channels = None
    raws, truth = simulate_subject(
        subject, montage=montage, n_trials_per_class=n_trials_per_class, seed=seed,
        **layout, **simulate_kwargs,
    )
    epochs = preprocess(raws, channels=channels, tmin=-0.5, tmax=4.0,
                        **(preprocess_kwargs or {}))
    X, y, metadata = epochs_to_arrays(epochs)
    if montage == "2b":
        train = metadata["session"].astype(str).str.endswith("T").to_numpy()
    else:
        train = (metadata["run"].astype(str) != str(list(runs)[-1])).to_numpy()
    return X, y, train, epochs, truth


def accuracy(model, X, y) -> float:
    """Share of trials of ``X`` whose predicted class (on the CPU) is ``y``."""
    from ..training import predict_proba

    return float((predict_proba(model, X, device="cpu").argmax(axis=1) == y).mean())


#: Frequency evidence scored by :func:`ground_truth_check`, the leading one
#: first: the mean drop of the true-class margin when a 2 Hz band is removed
#: from every channel (:func:`eegxai.analysis.band_occlusion`; peak: the band of
#: the largest drop; the one the subject and group reports lead with), then the
#: secondary evidence: the FIR-response spectrum weighted by positive filter
#: relevance (:func:`eegxai.analysis.first_layer_relevance_spectrum`), the
#: DFT-LRP relevance of the input frequencies
#: (:func:`eegxai.analysis.frequency_relevance`) and the amplitude-perturbation
#: correlation of the logit difference (max |r| over channels,
#: :func:`eegxai.analysis.amplitude_perturbation_correlation`).
SPECTRA = ("band_occlusion", "first_layer", "frequency_relevance", "perturbation")


def _frequency_evidence(net, X, y, sfreq: float, composite: str, init_fir=None):
    """Peak frequency (4–40 Hz) of each spectrum of :data:`SPECTRA`, and the arrays.

    Also diagnostics: ``"filters_unweighted"``, the peak of the mean FIR
    amplitude response without relevance weights (where the filters pass
    most); ``"first_layer_init"``, the first-layer spectrum of the *untrained*
    filters ``init_fir`` with the trained filter relevances (equal to
    ``"first_layer"`` when the filters did not learn); and ``"input_power"``, the peak of the test trials' power spectrum
    summed over channels (a model-free null: a spectrum that merely follows
    the data's power peaks here).
    The arrays (DFT-LRP per trial and channel, the input's DFT power in the
    same bins, FIR taps and filter relevances, the band-occlusion drop per
    trial and band) let other estimators be scored
    on the same trained models (``benchmarks/ground_truth_rates.py --arrays``).
    """
    from ..analysis import (
        amplitude_perturbation_correlation,
        band_occlusion,
        first_layer_bias,
        first_layer_fir,
        first_layer_relevance_spectrum,
        frequency_relevance,
        peak_frequency,
    )
    from ..analysis.spectral import _bin_matrix
    from ..explain import explain_layer
    from ..training import predict_logits

    layer = explain_layer(net, X, layer="conv_time", composite=composite, target=y)
    fir = first_layer_fir(net)
    first = first_layer_relevance_spectrum(fir, layer, sfreq, fmax=45.0)
    dft = frequency_relevance(X, layer, fir, sfreq, bias=first_layer_bias(net), fmax=45.0)
    matrix, _ = _bin_matrix(np.fft.rfftfreq(X.shape[-1], 1.0 / sfreq), 1.0, 45.0)
    binned = np.abs(np.fft.rfft(X, axis=-1)) ** 2 @ matrix
    arrays = {"freqs": dft["freqs"], "channel_relevance": dft["channel_relevance"],
              "input_power": binned, "y": np.asarray(y), "fir": fir,
              "filter_positive": first["filter_positive"],
              "filter_negative": first["filter_negative"]}
    peaks = {
        "frequency_relevance": peak_frequency(dft["freqs"], dft["relevance"].mean(0),
                                              fmin=4.0, fmax=40.0),
        "first_layer": peak_frequency(first["freqs"], first["positive"],
                                      fmin=4.0, fmax=40.0),
        "filters_unweighted": peak_frequency(first["freqs"], first["response"].mean(0),
                                             fmin=4.0, fmax=40.0),
        "input_power": peak_frequency(dft["freqs"], binned.sum((0, 1)),
                                      fmin=4.0, fmax=40.0),
    }
    def logit_difference(data):  # right − left: the evidence for class 1
        return np.diff(predict_logits(net, data, device="cpu"), axis=1)[:, 0]

    pert = amplitude_perturbation_correlation(logit_difference, X, sfreq, n_repeats=10,
                                              fmax=45.0, seed=0)
    peaks["perturbation"] = peak_frequency(pert["freqs"], np.abs(pert["correlation"]),
                                           fmin=4.0, fmax=40.0)
    occlusion = band_occlusion(net, X, y, sfreq)  # 2 Hz bands centred 5..37 Hz
    peaks["band_occlusion"] = float(occlusion["freqs"][np.argmax(occlusion["drop"])])
    arrays.update(occlusion_freqs=occlusion["freqs"],
                  occlusion_drop=occlusion["trial_drop"])
    if init_fir is not None:
        init = first_layer_relevance_spectrum(init_fir, layer, sfreq, fmax=45.0)
        peaks["first_layer_init"] = peak_frequency(init["freqs"], init["positive"],
                                                   fmin=4.0, fmax=40.0)
    return peaks, arrays


def ground_truth_check(
    subject: int,
    *,
    seed: int = 0,
    montage: str = "2b",
    model: str = "shallow",
    n_trials_per_class: int | None = None,
    sessions=("01T", "02T", "03T", "04E"),
    runs=("4", "8", "12"),
    erd_window: tuple[float, float] = (1.0, 3.0),
    n_epochs: int = 40,
    composite: str = "epsilon_plus_flat",
    band_tolerance: float = 1.0,
    time_tolerance: float = 0.25,
    model_kwargs: dict | None = None,
    device: str = "cpu",
    keep_arrays: bool = False,
) -> dict:
    """Train, explain and score one simulated subject against its ground truth.

    Parameters
    ----------
    subject : int
        Simulated subject number (sets the subject's mu/beta peak, sources, ...).
    seed : int
        Simulation and training seed.
    montage : {"2b", "64"}
        BCI IV 2b layout (C3, Cz, C4, 250 Hz; sessions) or EEGMMIDB layout
        (64 channels, 160 Hz; runs, the last one tests).
    model : {"shallow", "deep"}
        ConvNet (:func:`eegxai.models.build_model`).
    n_trials_per_class : int | None
        Trials per class and session (run); None: 40 (2b) or 15 (64).
    sessions : sequence of str
        ``"2b"``: session labels; those ending in ``T`` train, the others test.
    runs : sequence of str
        ``"64"``: run labels; the last run tests.
    erd_window : (float, float)
        Planted full-depth ERD window in s after the cue.
    n_epochs : int
        Training epochs (early stopping on a validation split of the training
        trials).
    composite : str
        LRP composite.
    band_tolerance : float
        Hz by which the spectral peak may lie outside the planted band.
    time_tolerance : float
        Seconds by which the time-course peak may lie outside the window (the
        simulator ramps the ERD in and out).
    model_kwargs : dict | None
        Extra braindecode model arguments (e.g. ``filter_time_length``).
    device : str
        'cpu', 'cuda' or 'auto'.
    keep_arrays : bool
        Add ``"arrays"``: the spectral arrays of the test trials (see
        ``_frequency_evidence``).

    Returns
    -------
    result : dict
        ``accuracy`` on the test trials; ``peak_freq`` (of the leading
        spectrum, ``SPECTRA[0]``), ``band`` (planted mu and beta
        bands), ``spectrum_ok``; ``peaks`` and ``spectra_ok`` (per spectrum of
        :data:`SPECTRA`, ``peaks`` also of the diagnostics of
        ``_frequency_evidence``); ``fir_change`` (median over filters of
        ``‖h_trained − h_init‖ / ‖h_init‖``); ``li`` (per class), ``li_difference`` (right − left),
        ``lateralization_ok`` (``li_difference < 0``, see the module
        docstring); ``peak_time``, ``window``, ``time_ok``; and the ground truth.
    """
    from ..analysis import (
        channel_relevance,
        first_layer_fir,
        lateralization_index,
        relevance_time_course,
    )
    from ..explain import explain
    from ..models import build_model
    from ..training import fit_model, seeded

    check_positive(n_epochs, "n_epochs")
    if n_trials_per_class is None:
        n_trials_per_class = 40 if montage == "2b" else 15
    X, y, train, epochs, truth = simulated_sessions(
        subject, seed=seed, n_trials_per_class=n_trials_per_class, sessions=sessions,
        montage=montage, runs=runs, erd_window=erd_window,
    )
    net, _, _ = fit_model(X[train], y[train], model=model, n_epochs=n_epochs,
                          seed=seed, progress=False, device=device,
                          model_kwargs=model_kwargs)
    net = net.cpu().eval()
    X_test, y_test = X[~train], y[~train]
    test_accuracy = accuracy(net, X_test, y_test)

    with seeded(seed):  # the initial weights of fit_model: did the filters learn?
        init_fir = first_layer_fir(build_model(model, X.shape[1], 2, X.shape[2],
                                               **(model_kwargs or {})))
    fir = first_layer_fir(net)
    fir_change = float(np.median(np.linalg.norm(fir - init_fir, axis=1)
                                 / np.linalg.norm(init_fir, axis=1)))
    peaks, arrays = _frequency_evidence(net, X_test, y_test, epochs.info["sfreq"],
                                        composite, init_fir=init_fir)
    truth_dict = truth.to_dict()
    bands = [tuple(truth_dict["erd_band"]), tuple(truth_dict["beta_band"])]
    spectra_ok = {name: any(lo - band_tolerance <= peaks[name] <= hi + band_tolerance
                            for lo, hi in bands) for name in SPECTRA}

    relevance = explain(net, X_test, method="lrp", composite=composite, target=y_test)
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
        "montage": montage,
        "model": model,
        "accuracy": test_accuracy,
        "n_test": int(len(y_test)),
        "peak_freq": float(peaks[SPECTRA[0]]),
        "band": bands,
        "spectrum_ok": bool(spectra_ok[SPECTRA[0]]),
        "peaks": {k: float(v) for k, v in peaks.items()},
        "fir_change": fir_change,
        "spectra_ok": {k: bool(v) for k, v in spectra_ok.items()},
        "li": li,
        "li_difference": float(li_difference),
        "lateralization_ok": bool(li_difference < 0),
        "peak_time": peak_time,
        "window": list(erd_window),
        "time_ok": bool(time_ok),
        "truth": truth_dict,
        **({"arrays": arrays} if keep_arrays else {}),
    }
