# Pre-train one ConvNet on the source subjects of one subject group (eegxai.transfer).
from eegxai._workflow import workflow_step

with workflow_step(snakemake.log[0]):
    from eegxai.pipeline import pretrain_step

    pretrain_step(
        list(snakemake.input.epochs),
        model=snakemake.wildcards.model,
        sources=snakemake.params.sources,
        out_model=snakemake.output.model,
        out_history=snakemake.output.history,
        out_json=snakemake.output.summary,
        align=snakemake.params.align,
        valid_by=snakemake.params.valid_by,
        seed=snakemake.params.seed,
        **snakemake.params.training,
    )
