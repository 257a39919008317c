# Band occlusion: margin drop per frequency band of every fold's model on its test trials.
from eegxai._workflow import workflow_step

with workflow_step(snakemake.log[0]):
    from eegxai.pipeline import band_occlusion_step

    band_occlusion_step(
        snakemake.input.epochs,
        snakemake.input.model,
        snakemake.input.metrics,
        snakemake.output[0],
        width=snakemake.params.width,
        fmin=snakemake.params.fmin,
        fmax=snakemake.params.fmax,
        n_permutations=snakemake.params.n_permutations,
        seed=snakemake.params.seed,
        device=snakemake.params.device,
        threads=snakemake.threads,
    )
