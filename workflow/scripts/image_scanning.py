# Sliding-window scanning: crop classifier, class-evidence maps, canvas LRP maps.
from eegxai._workflow import workflow_step

with workflow_step(snakemake.log[0]):
    from eegxai.image.steps import scanning_step

    scanning_step(
        snakemake.params.data,
        arch=snakemake.params.arch,
        fit=snakemake.params.fit,
        **snakemake.params.scanning,
        out_model=snakemake.output.model,
        out_json=snakemake.output.summary,
        out_arrays=snakemake.output.arrays,
        threads=snakemake.params.threads,
    )
