# Clever Hans experiment: train with and without class-correlated blinks.
from eegxai._workflow import workflow_step

with workflow_step(snakemake.log[0]):
    from eegxai.pipeline import clever_hans_step

    clever_hans_step(
        subject=snakemake.params.subject,
        out_json=snakemake.output[0],
        seed=snakemake.params.seed,
        n_epochs=snakemake.params.n_epochs,
        blink_class=snakemake.params.blink_class,
        device=snakemake.params.device,
    )
