# Word relevance (LRP, sensitivity) of one model on the test posts.
from eegxai._workflow import workflow_step

with workflow_step(snakemake.log[0]):
    from eegxai.text.pipeline import relevance_step

    relevance_step(
        snakemake.input.npz,
        snakemake.input.json,
        snakemake.input.model,
        snakemake.output.relevance,
        **snakemake.params.explain,
        threads=snakemake.threads,
    )
