# Expert baselines (CSP+LDA, FBCSP, band power, tangent space) on the same folds.
from eegxai._workflow import workflow_step

with workflow_step(snakemake.log[0]):
    from eegxai.pipeline import baselines_step

    baselines_step(
        snakemake.input.epochs,
        methods=snakemake.params.methods,
        split=snakemake.params.split,
        out_json=snakemake.output[0],
        dataset=snakemake.wildcards.dataset,
        subject=snakemake.wildcards.subject,
        seed=snakemake.params.seed,
    )
