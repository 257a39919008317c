"""eegxai: explain EEG decoders and compare the explanations with neurophysiology."""

__version__ = "0.1.0"
