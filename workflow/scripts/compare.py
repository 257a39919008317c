# Agreement of the network's relevance with ERD/ERS, CSP and band power.
from eegxai._workflow import workflow_step

with workflow_step(snakemake.log[0]):
    from eegxai.pipeline import compare_step

    compare_step(
        snakemake.input.epochs,
        snakemake.input.relevance,
        snakemake.input.summary,
        snakemake.input.baselines,
        snakemake.input.model,
        out_json=snakemake.output.compare,
        out_expert=snakemake.output.expert,
        dataset=snakemake.wildcards.dataset,
        subject=snakemake.wildcards.subject,
        model_name=snakemake.wildcards.model,
        n_permutations=snakemake.params.n_permutations,
        erds_permutations=snakemake.params.erds_permutations,
        perturbation_repeats=snakemake.params.perturbation_repeats,
        expert=snakemake.params.expert,
        seed=snakemake.params.seed,
    )
