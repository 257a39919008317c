# Clever Hans tag: tagged vs control CNN, tag relevance mass, SpRAy.
from eegxai._workflow import workflow_step

with workflow_step(snakemake.log[0]):
    from eegxai.image.steps import clever_hans_step

    clever_hans_step(
        snakemake.params.data,
        arch=snakemake.params.arch,
        fit=snakemake.params.fit,
        **snakemake.params.clever_hans,
        out_json=snakemake.output.summary,
        out_arrays=snakemake.output.arrays,
        threads=snakemake.params.threads,
    )
