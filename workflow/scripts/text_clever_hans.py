# Header relevance of models trained with vs without headers; accuracy drop.
from eegxai._workflow import workflow_step

with workflow_step(snakemake.log[0]):
    from eegxai.text.pipeline import clever_hans_step

    i = snakemake.input
    clever_hans_step(
        (i.clean_npz, i.clean_json),
        (i.headers_npz, i.headers_json),
        {"svm": i.clean_svm, "cnn": i.clean_cnn},
        {"svm": i.headers_svm, "cnn": i.headers_cnn},
        snakemake.output.clever_hans,
        **snakemake.params.clever_hans,
        threads=snakemake.threads,
    )
