# The DNA study's HTML report.
from eegxai._workflow import workflow_step

with workflow_step(snakemake.log[0]):
    from eegxai.dna.pipeline import report_step

    report_step(
        metrics=list(snakemake.input.metrics),
        tracks=list(snakemake.input.tracks),
        motifs=list(snakemake.input.motifs),
        logos=list(snakemake.input.logos),
        ground_truth=snakemake.input.ground_truth,
        out_html=snakemake.output[0],
        factors=snakemake.params.factors,
        config=snakemake.params.config,
    )
