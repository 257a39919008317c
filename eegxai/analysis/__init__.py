"""Relevance analysis: time courses, channel maps, lateralization and spectra.

Functions work on plain arrays (relevance ``(n_trials, n_chans, n_times)``,
first-layer relevance, FIR weights ``(n_filters, filter_len)``, labels,
sampling rate, channel names, times), so they need neither torch nor a
finished model. File formats are documented in :mod:`eegxai.analysis.io`.
The exception is :func:`band_occlusion`, which runs a torch model on
band-occluded trials (torch is imported only when it is called).
"""

from .band_occlusion import (
    band_occlusion,
    occlusion_bands,
    occlusion_peak_test,
    occlusion_summary,
    pooled_band_occlusion,
)
from .io import read_relevance, read_summary, save_relevance, save_summary
from .plots import plot_channel_frequency, plot_relevance_spectrum, plot_time_course
from .spatial import (
    channel_relevance,
    hemisphere,
    hemisphere_sums,
    lateralization_index,
    plot_relevance_topomap,
)
from .spectral import (
    BANDS,
    amplitude_perturbation_correlation,
    band_mass_share,
    filter_relevance,
    fir_frequency_response,
    first_layer_bias,
    first_layer_fir,
    first_layer_relevance_spectrum,
    first_layer_spectrum_folds,
    frequency_relevance,
    input_relevance_spectrum,
    peak_frequency,
)
from .summary import summarize_relevance, summarize_relevance_file
from .temporal import (
    mean_ci,
    peak_time,
    relevance_time_course,
    time_course,
    trial_subsets,
)

__all__ = [
    "BANDS",
    "amplitude_perturbation_correlation",
    "band_mass_share",
    "band_occlusion",
    "channel_relevance",
    "filter_relevance",
    "fir_frequency_response",
    "first_layer_bias",
    "first_layer_fir",
    "first_layer_relevance_spectrum",
    "first_layer_spectrum_folds",
    "frequency_relevance",
    "hemisphere",
    "hemisphere_sums",
    "input_relevance_spectrum",
    "lateralization_index",
    "mean_ci",
    "occlusion_bands",
    "occlusion_peak_test",
    "occlusion_summary",
    "peak_frequency",
    "peak_time",
    "plot_channel_frequency",
    "plot_relevance_spectrum",
    "plot_relevance_topomap",
    "plot_time_course",
    "pooled_band_occlusion",
    "read_relevance",
    "read_summary",
    "relevance_time_course",
    "save_relevance",
    "save_summary",
    "summarize_relevance",
    "summarize_relevance_file",
    "time_course",
    "trial_subsets",
]
