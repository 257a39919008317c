"""eegxai.datasets."""
