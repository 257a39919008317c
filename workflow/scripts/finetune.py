# Fine-tune a pre-trained ConvNet on one target's training folds; zero-shot score too.
from eegxai._workflow import workflow_step

with workflow_step(snakemake.log[0]):
    from eegxai.pipeline import finetune_step

    finetune_step(
        snakemake.input.epochs,
        snakemake.input.pretrained,
        split=snakemake.params.split,
        out_model=snakemake.output.model,
        out_metrics=snakemake.output.metrics,
        out_history=snakemake.output.history,
        out_zero_shot=snakemake.output.zero_shot,
        align=snakemake.params.align,
        dataset=snakemake.wildcards.dataset,
        subject=snakemake.wildcards.subject,
        seed=snakemake.params.seed,
        **snakemake.params.training,
    )
