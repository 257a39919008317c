"""eegxai.analysis."""
