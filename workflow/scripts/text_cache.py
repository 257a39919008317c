# Build scikit-learn's 20 Newsgroups cache from the offline bydate archive.
from eegxai._workflow import workflow_step

with workflow_step(snakemake.log[0]):
    from eegxai.text.pipeline import cache_step

    cache_step(snakemake.output.cache, archive=snakemake.params.archive)
