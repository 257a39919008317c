# Train the 1-D CNN on GloVe embeddings; score the test split.
from eegxai._workflow import workflow_step

with workflow_step(snakemake.log[0]):
    from eegxai.text.pipeline import train_cnn_step

    train_cnn_step(
        snakemake.input.npz,
        snakemake.input.json,
        snakemake.output.model,
        snakemake.output.metrics,
        cnn=snakemake.params.cnn,
        seed=snakemake.params.seed,
        threads=snakemake.threads,
    )
