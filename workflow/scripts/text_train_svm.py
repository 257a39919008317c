# Fit TF-IDF + linear SVM; score the test split.
from eegxai._workflow import workflow_step

with workflow_step(snakemake.log[0]):
    from eegxai.text.pipeline import train_svm_step

    train_svm_step(
        snakemake.input.npz,
        snakemake.input.json,
        snakemake.output.model,
        snakemake.output.metrics,
        **snakemake.params.svm,
    )
