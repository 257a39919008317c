# HTML report of the image study (self-contained, escaped).
from eegxai._workflow import workflow_step

with workflow_step(snakemake.log[0]):
    from eegxai.image.report import image_report_step

    image_report_step(dict(snakemake.input.items()), snakemake.output[0],
                      config=snakemake.params.config)
