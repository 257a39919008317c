"""eegxai.expert."""
