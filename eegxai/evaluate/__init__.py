"""Are the explanations right? Faithfulness, sanity checks and ground truth.

A heatmap that looks plausible proves nothing. This package measures each
explanation, in any domain (EEG, images, text, DNA):

- **Faithfulness** by region perturbation (Samek et al. 2017; Bach et al. 2015
  "pixel flipping") over arbitrary feature groups (EEG channel × time window,
  image patches or superpixels, words, sequence windows): groups are removed
  most-relevant first (MoRF), least-relevant first (LeRF) or in random order,
  and the target logit is recorded. The area over the perturbation curve
  (AOPC) summarises it (:mod:`.perturbation`).
- **Sanity checks** (Adebayo et al. 2018): cascading model-parameter
  randomization (:mod:`.sanity`).
- **Ground truth**: relevance mass and rank accuracy (Arras et al. 2022), the
  pointing game (Zhang et al. 2018), and the relevance share of artefact
  channels for the Clever Hans check (:mod:`.localization`).

References
----------
.. [1] Samek W. et al. (2017). Evaluating the visualization of what a deep
   neural network has learned. IEEE TNNLS 28(11):2660–2673.
.. [2] Bach S. et al. (2015). On pixel-wise explanations for non-linear
   classifier decisions by layer-wise relevance propagation. PLoS ONE 10(7).
.. [3] Adebayo J. et al. (2018). Sanity checks for saliency maps. NeurIPS.
.. [4] Arras L., Osman A., Samek W. (2022). CLEVR-XAI: a benchmark dataset for
   the ground truth evaluation of neural network explanations. Inf. Fusion 81.
.. [5] Zhang J. et al. (2018). Top-down neural attention by excitation
   backprop. IJCV 126:1084–1102 (pointing game).
"""

from .localization import (
    pointing_game,
    relevance_mass_accuracy,
    relevance_rank_accuracy,
    relevance_share,
)
from .perturbation import (
    BASELINES,
    ORDERS,
    _phase_surrogate,
    aopc,
    eeg_segments,
    faithfulness_table,
    group_relevance,
    perturbation_curve,
    predict_logits,
)
from .sanity import cascading_randomization, explanation_similarity

__all__ = [
    "BASELINES",
    "ORDERS",
    "_phase_surrogate",
    "aopc",
    "cascading_randomization",
    "eeg_segments",
    "explanation_similarity",
    "faithfulness_table",
    "group_relevance",
    "perturbation_curve",
    "pointing_game",
    "predict_logits",
    "relevance_mass_accuracy",
    "relevance_rank_accuracy",
    "relevance_share",
]
