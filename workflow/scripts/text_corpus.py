# Vocabulary of the training split and token ids of both splits (one variant).
from eegxai._workflow import workflow_step

with workflow_step(snakemake.log[0]):
    from eegxai.text.pipeline import corpus_step

    corpus_step(
        snakemake.input.cache,
        snakemake.output.npz,
        snakemake.output.json,
        variant=snakemake.wildcards.text_variant,
        **snakemake.params.corpus,
    )
