# Relevance of every test trial (input + first layer) and its summary.
from eegxai._workflow import workflow_step

with workflow_step(snakemake.log[0]):
    from eegxai.pipeline import explain_step

    explain_step(
        snakemake.input.epochs,
        snakemake.input.model,
        method=snakemake.wildcards.method,
        composite=snakemake.params.composite,
        batch_size=snakemake.params.batch_size,
        device=snakemake.params.device,
        out_relevance=snakemake.output.relevance,
        out_summary=snakemake.output.summary,
        dataset=snakemake.wildcards.dataset,
        subject=snakemake.wildcards.subject,
        model_name=snakemake.wildcards.model,
    )
