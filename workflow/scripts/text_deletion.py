# Word-deletion curves and AOPC of one model (Arras et al. 2016).
from eegxai._workflow import workflow_step

with workflow_step(snakemake.log[0]):
    from eegxai.text.pipeline import deletion_step

    deletion_step(
        snakemake.input.npz,
        snakemake.input.json,
        snakemake.input.model,
        snakemake.input.relevance,
        snakemake.output.deletion,
        **snakemake.params.deletion,
        seed=snakemake.params.seed,
        threads=snakemake.threads,
    )
