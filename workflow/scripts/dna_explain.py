# Nucleotide relevance of held-out peaks (LRP, gradients, mutagenesis, ...).
from eegxai._workflow import workflow_step

with workflow_step(snakemake.log[0]):
    from eegxai.dna.pipeline import explain_step

    explain_step(
        snakemake.input.model,
        snakemake.input.data,
        out_relevance=snakemake.output.relevance,
        out_figure=snakemake.output.figure,
        **snakemake.params.explain,
    )
