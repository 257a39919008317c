# Cross-subject expert baseline (re-centering + tangent space + LR) on the target's folds.
from eegxai._workflow import workflow_step

with workflow_step(snakemake.log[0]):
    from eegxai.pipeline import transfer_baseline_step

    transfer_baseline_step(
        snakemake.input.epochs,
        list(snakemake.input.sources),
        split=snakemake.params.split,
        out_json=snakemake.output[0],
        dataset=snakemake.wildcards.dataset,
        subject=snakemake.wildcards.subject,
        seed=snakemake.params.seed,
    )
