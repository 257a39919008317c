# CAM recipe: the CNN's convolutions frozen, new conv + GAP + linear head trained.
from eegxai._workflow import workflow_step

with workflow_step(snakemake.log[0]):
    from eegxai.image.steps import cam_step

    cam_step(
        snakemake.params.data,
        snakemake.input.cnn,
        n_maps=snakemake.params.n_maps,
        fit=snakemake.params.fit,
        out_model=snakemake.output.model,
        out_metrics=snakemake.output.metrics,
        threads=snakemake.params.threads,
    )
