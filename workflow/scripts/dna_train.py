# Train the DeepBind-style CNN on one factor's peaks vs dinucleotide shuffles.
from eegxai._workflow import workflow_step

with workflow_step(snakemake.log[0]):
    from eegxai.dna.pipeline import train_step

    train_step(
        snakemake.wildcards.factor,
        out_model=snakemake.output.model,
        out_data=snakemake.output.data,
        out_metrics=snakemake.output.metrics,
        wheel=snakemake.params.wheel,
        seed=snakemake.params.seed,
        test_fraction=snakemake.params.test_fraction,
        max_sequences=snakemake.params.max_sequences,
        training=dict(snakemake.params.training),
    )
