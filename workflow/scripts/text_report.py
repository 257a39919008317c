# The text study's HTML page.
from eegxai._workflow import workflow_step

with workflow_step(snakemake.log[0]):
    from eegxai.text.pipeline import report_step

    i = snakemake.input
    report_step(
        i.npz,
        i.json,
        {"svm": i.metrics_svm, "cnn": i.metrics_cnn},
        {"svm": i.relevance_svm, "cnn": i.relevance_cnn},
        {"svm": i.deletion_svm, "cnn": i.deletion_cnn},
        i.epi,
        i.clever_hans,
        snakemake.output.html,
        config=snakemake.params.config,
        **snakemake.params.report,
    )
