# Planted JASPAR motif: relevance mass/rank accuracy per method, cost ratio.
from eegxai._workflow import workflow_step

with workflow_step(snakemake.log[0]):
    from eegxai.dna.pipeline import ground_truth_step

    explain = snakemake.params.explain
    ground_truth_step(
        snakemake.input.jaspar,
        out_json=snakemake.output[0],
        **snakemake.params.simulation,
        methods=explain["methods"],
        composite=explain["composite"],
        ig_steps=explain["ig_steps"],
        shap_window=explain["shap_window"],
        training=dict(snakemake.params.training),
        seed=snakemake.params.seed,
    )
