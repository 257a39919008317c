# Train one braindecode ConvNet on one subject (all folds of the split).
from eegxai._workflow import workflow_step

with workflow_step(snakemake.log[0]):
    from eegxai.pipeline import train_step

    train_step(
        snakemake.input.epochs,
        model=snakemake.wildcards.model,
        split=snakemake.params.split,
        out_model=snakemake.output.model,
        out_metrics=snakemake.output.metrics,
        out_history=snakemake.output.history,
        dataset=snakemake.wildcards.dataset,
        subject=snakemake.wildcards.subject,
        seed=snakemake.params.seed,
        **snakemake.params.training,
    )
