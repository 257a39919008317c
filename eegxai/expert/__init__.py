"""Expert decoders and the expert features of a subject.

Decoders (CSP, FBCSP, band power, Riemannian) are evaluated like the ConvNets;
:mod:`eegxai.expert.features` gives what the relevance is compared with.
"""

from .bandpower import SMR_BANDS, LogBandPower, log_band_power, make_bandpower_lda
from .baselines import METHODS, make_pipeline, read_baselines, run_baselines
from .csp import BandpassFilter, csp_maps, make_csp_lda
from .fbcsp import FBCSP_BANDS, FilterBankCSP, make_fbcsp
from .features import ExpertFeatures, ExpertParams, expert_features
from .riemann import make_ts_lr

__all__ = [
    "FBCSP_BANDS",
    "METHODS",
    "SMR_BANDS",
    "BandpassFilter",
    "ExpertFeatures",
    "ExpertParams",
    "FilterBankCSP",
    "LogBandPower",
    "csp_maps",
    "expert_features",
    "log_band_power",
    "make_bandpower_lda",
    "make_csp_lda",
    "make_fbcsp",
    "make_pipeline",
    "make_ts_lr",
    "read_baselines",
    "run_baselines",
]
