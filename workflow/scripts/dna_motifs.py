# High-relevance windows -> motif -> best JASPAR CORE vertebrate matches.
from eegxai._workflow import workflow_step

with workflow_step(snakemake.log[0]):
    from eegxai.dna.pipeline import motifs_step

    motifs_step(
        snakemake.input.data,
        snakemake.input.relevance,
        snakemake.input.jaspar,
        factor=snakemake.wildcards.factor,
        out_json=snakemake.output.motifs,
        out_logo=snakemake.output.logo,
        **snakemake.params.motifs,
    )
