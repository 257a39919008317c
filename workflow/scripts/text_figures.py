# The text report's figures as PNG files (snakemake --report entries).
from eegxai._workflow import workflow_step

with workflow_step(snakemake.log[0]):
    from eegxai.text.pipeline import figures_step

    i, o = snakemake.input, snakemake.output
    figures_step(
        {"svm": i.deletion_svm, "cnn": i.deletion_cnn},
        i.epi,
        i.clever_hans,
        o.deletion,
        o.epi,
        o.clever_hans,
    )
