# Load one subject's recordings and write cue-locked, preprocessed epochs + QC.
from eegxai._workflow import workflow_step

with workflow_step(snakemake.log[0], mne_data=snakemake.params.mne_data):
    from eegxai.preprocessing import preprocess_subject

    preprocess_subject(
        snakemake.params.loader,
        snakemake.params.subject,
        out_epochs=snakemake.output.epochs,
        out_qc=snakemake.output.qc,
        out_summary=snakemake.output.summary,
        loader_kwargs=snakemake.params.loader_args,
        **snakemake.params.preprocess,
    )
