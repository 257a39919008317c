"""eegxai.explain."""
