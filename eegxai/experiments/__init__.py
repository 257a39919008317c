"""Studies with planted truth: they call the pipeline's stages, they are not stages.

- :mod:`eegxai.experiments.ground_truth` — does LRP recover a planted ERD band, side and
  window on simulated subjects?
- :mod:`eegxai.experiments.clever_hans` — does an explanation reveal a blink shortcut?
"""
