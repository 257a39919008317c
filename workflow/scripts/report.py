# Per-subject HTML report from every output of the subject.
from eegxai._workflow import workflow_step

with workflow_step(snakemake.log[0]):
    from eegxai.report import subject_report

    inputs, models = snakemake.input, snakemake.params.models
    per_model = ("metrics", "history", "relevance", "summary", "compare", "expert",
                 "evaluate", "occlusion")
    subject_report(
        snakemake.output[0],
        dataset=snakemake.wildcards.dataset,
        subject=snakemake.wildcards.subject,
        qc_json=inputs.qc_json,
        qc_png=inputs.qc_png,
        baselines=inputs.baselines,
        **{key: dict(zip(models, inputs[key], strict=True)) for key in per_model},
        config=snakemake.params.config,
        reference=snakemake.params.reference,
        simulated=snakemake.params.simulated,
        eog_flag_factor=snakemake.params.eog_flag_factor,
    )
