# Pixel flipping: MoRF/LeRF AOPC of every heatmap method vs random orders.
from eegxai._workflow import workflow_step

with workflow_step(snakemake.log[0]):
    from eegxai.image.steps import pixel_flipping_step

    pixel_flipping_step(
        snakemake.params.data,
        snakemake.input.cnn,
        **snakemake.params.pixel_flipping,
        out_json=snakemake.output[0],
        threads=snakemake.params.threads,
    )
