"""eegxai.report."""
