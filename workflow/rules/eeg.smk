# EEG stages: load -> preprocess -> train -> baselines -> explain -> compare -> report.
# Each rule declares its files; eegxai does the work (workflow/scripts/*.py).


rule preprocess:
    output:
        epochs="results/epochs/{dataset}/{subject}-epo.fif",
        qc=report(
            "results/qc/{dataset}/{subject}.png",
            caption="../report/qc.rst",
            category="1 Data",
            subcategory="{subject}",
            labels={"dataset": "{dataset}", "subject": "{subject}", "figure": "QC"},
        ),
        summary="results/qc/{dataset}/{subject}.json",
    log:
        "logs/preprocess/{dataset}/{subject}.log",
    params:
        loader=lambda wc: dataset_param(wc.dataset, "loader"),
        loader_args=lambda wc: loader_args(wc.dataset),
        subject=lambda wc: subject_number(wc.subject),
        preprocess=lambda wc: dataset_param(wc.dataset, "preprocess"),
        mne_data=MNE_DATA,
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    conda:
        "../envs/eegxai.yaml"
    script:
        "../scripts/preprocess.py"
