# Heatmaps of every method for the fixed gallery of test digits.
from eegxai._workflow import workflow_step

with workflow_step(snakemake.log[0]):
    from eegxai.image.steps import heatmaps_step

    heatmaps_step(
        snakemake.params.data,
        snakemake.input.cnn,
        snakemake.input.cam,
        **snakemake.params.heatmaps,
        out_arrays=snakemake.output.arrays,
        out_json=snakemake.output.summary,
        threads=snakemake.params.threads,
    )
