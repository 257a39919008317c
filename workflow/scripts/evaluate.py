# Explanation quality: perturbation faithfulness, randomization sanity checks, prototypes.
from eegxai._workflow import workflow_step

with workflow_step(snakemake.log[0]):
    from eegxai.pipeline import evaluate_step

    evaluate_step(
        snakemake.input.epochs,
        snakemake.input.model,
        out_json=snakemake.output[0],
        methods=snakemake.params.methods,
        composites=snakemake.params.composites,
        max_trials=snakemake.params.max_trials,
        eog_channels=snakemake.params.eog_channels,
        prototype_steps=snakemake.params.prototype_steps,
        prototype_lam=snakemake.params.prototype_lam,
        device=snakemake.params.device,
        seed=snakemake.params.seed,
    )
