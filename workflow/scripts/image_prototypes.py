# Class prototypes by activation maximization: l2, data prior, autoencoder code space.
from eegxai._workflow import workflow_step

with workflow_step(snakemake.log[0]):
    from eegxai.image.steps import prototypes_step

    prototypes_step(
        snakemake.params.data,
        snakemake.input.cnn,
        **snakemake.params.prototypes,
        out_json=snakemake.output.summary,
        out_arrays=snakemake.output.arrays,
        threads=snakemake.params.threads,
    )
