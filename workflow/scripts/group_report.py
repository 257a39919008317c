# Group HTML report of one dataset from every subject's outputs.
from eegxai._workflow import workflow_step

with workflow_step(snakemake.log[0]):
    from eegxai.report import group_report

    group_report(
        snakemake.output[0],
        dataset=snakemake.wildcards.dataset,
        metrics=list(snakemake.input.metrics),
        baselines=list(snakemake.input.baselines),
        compare=list(snakemake.input.compare),
        occlusion=list(snakemake.input.occlusion),
        summary=list(snakemake.input.summary),
        transfer=list(snakemake.input.transfer),
        config=snakemake.params.config,
        reference=snakemake.params.reference,
        simulated=snakemake.params.simulated,
        n_permutations=snakemake.params.n_permutations,
        seed=snakemake.params.seed,
    )
