# Explanatory power index of both models (Arras et al. 2017).
from eegxai._workflow import workflow_step

with workflow_step(snakemake.log[0]):
    from eegxai.text.pipeline import epi_step

    epi_step(
        snakemake.input.npz,
        snakemake.input.json,
        {"svm": snakemake.input.svm, "cnn": snakemake.input.cnn},
        snakemake.output.epi,
        **snakemake.params.epi,
        seed=snakemake.params.seed,
    )
