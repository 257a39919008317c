"""Image sibling workflow: MNIST digits explained with the shared core.

Domain code only (data, models, training, the Clever Hans tag, SpRAy,
scanning, figures, the report page and pipeline steps). Attribution, model
interpretation and evaluation come from :mod:`eegxai.explain`,
:mod:`eegxai.interpret` and :mod:`eegxai.evaluate`, never from copies here.
"""
