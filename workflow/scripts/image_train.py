# Train the image CNN or MLP on the training digits (seeded split).
from eegxai._workflow import workflow_step

with workflow_step(snakemake.log[0]):
    from eegxai.image.steps import train_step

    train_step(
        snakemake.params.data,
        model=snakemake.wildcards.image_model,
        arch=snakemake.params.arch,
        fit=snakemake.params.fit,
        out_model=snakemake.output.model,
        out_metrics=snakemake.output.metrics,
        threads=snakemake.params.threads,
    )
