# Export the JASPAR CORE vertebrate motifs (pyjaspar, offline) for the DNA study.
from eegxai._workflow import workflow_step

with workflow_step(snakemake.log[0]):
    from eegxai.dna.pipeline import jaspar_step

    jaspar_step(snakemake.output[0], release=snakemake.params.release)
