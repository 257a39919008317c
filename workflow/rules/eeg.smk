# EEG stages: load -> preprocess -> train -> baselines -> explain -> compare
# (-> evaluate, band occlusion) -> report.
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
    benchmark:
        "results/benchmarks/preprocess/{dataset}/{subject}.tsv"
    params:
        loader=lambda wc: dataset_param(wc.dataset, "loader"),
        loader_args=lambda wc: loader_args(wc.dataset, wc.subject),
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


rule train:
    input:
        epochs="results/epochs/{dataset}/{subject}-epo.fif",
    output:
        model="results/models/{dataset}/{subject}/{model}.pt",
        metrics="results/metrics/{dataset}/{subject}/{model}.json",
        history=report(
            "results/metrics/{dataset}/{subject}/{model}-history.csv",
            caption="../report/history.rst",
            category="2 Decoding",
            subcategory="{subject}",
            labels={"dataset": "{dataset}", "subject": "{subject}", "model": "{model}", "figure": "training history"},
        ),
    log:
        "logs/train/{dataset}/{subject}-{model}.log",
    benchmark:
        "results/benchmarks/train/{dataset}/{subject}-{model}.tsv"
    params:
        split=lambda wc: dataset_param(wc.dataset, "split"),
        training=training_params,
        seed=config["seed"],
    threads: config["training"]["threads"]
    resources:
        mem_mb=8000,
        runtime=240,
        gpu=1 if config["training"]["device"] == "cuda" else 0,
    conda:
        "../envs/eegxai.yaml"
    script:
        "../scripts/train.py"


rule baselines:
    input:
        epochs="results/epochs/{dataset}/{subject}-epo.fif",
    output:
        "results/baselines/{dataset}/{subject}.json",
    log:
        "logs/baselines/{dataset}/{subject}.log",
    benchmark:
        "results/benchmarks/baselines/{dataset}/{subject}.tsv"
    params:
        methods=config["baselines"],
        split=lambda wc: dataset_param(wc.dataset, "split"),
        seed=config["seed"],
    threads: 1
    resources:
        mem_mb=4000,
        runtime=60,
    conda:
        "../envs/eegxai.yaml"
    script:
        "../scripts/baselines.py"


rule explain:
    input:
        epochs="results/epochs/{dataset}/{subject}-epo.fif",
        model="results/models/{dataset}/{subject}/{model}.pt",
    output:
        relevance="results/relevance/{dataset}/{subject}/{model}-{method}.h5",
        summary="results/relevance/{dataset}/{subject}/{model}-{method}.json",
    log:
        "logs/explain/{dataset}/{subject}-{model}-{method}.log",
    benchmark:
        "results/benchmarks/explain/{dataset}/{subject}-{model}-{method}.tsv"
    params:
        composite=config["explain"]["composite"],
        batch_size=config["explain"]["batch_size"],
        device=config["training"]["device"],
    threads: config["training"]["threads"]
    resources:
        mem_mb=8000,
        runtime=60,
        gpu=1 if config["training"]["device"] == "cuda" else 0,
    conda:
        "../envs/eegxai.yaml"
    script:
        "../scripts/explain.py"


rule compare:
    input:
        epochs="results/epochs/{dataset}/{subject}-epo.fif",
        relevance=f"results/relevance/{{dataset}}/{{subject}}/{{model}}-{PRIMARY_METHOD}.h5",
        summary=f"results/relevance/{{dataset}}/{{subject}}/{{model}}-{PRIMARY_METHOD}.json",
        baselines="results/baselines/{dataset}/{subject}.json",
        model="results/models/{dataset}/{subject}/{model}.pt",
    output:
        compare="results/compare/{dataset}/{subject}/{model}.json",
        expert="results/compare/{dataset}/{subject}/{model}-expert.json",
    log:
        "logs/compare/{dataset}/{subject}-{model}.log",
    benchmark:
        "results/benchmarks/compare/{dataset}/{subject}-{model}.tsv"
    params:
        n_permutations=config["compare"]["n_permutations"],
        erds_permutations=config["compare"]["erds_permutations"],
        perturbation_repeats=config["compare"]["perturbation_repeats"],
        expert=config["compare"]["expert"],
        seed=config["seed"],
    threads: 1
    resources:
        mem_mb=8000,
        runtime=60,
    conda:
        "../envs/eegxai.yaml"
    script:
        "../scripts/compare.py"


rule evaluate:
    input:
        epochs="results/epochs/{dataset}/{subject}-epo.fif",
        model="results/models/{dataset}/{subject}/{model}.pt",
    output:
        "results/evaluate/{dataset}/{subject}/{model}.json",
    log:
        "logs/evaluate/{dataset}/{subject}-{model}.log",
    benchmark:
        "results/benchmarks/evaluate/{dataset}/{subject}-{model}.tsv"
    params:
        methods=config["evaluate"]["methods"],
        composites=config["evaluate"]["composites"],
        max_trials=config["evaluate"]["max_trials"],
        eog_channels=config["evaluate"]["eog_channels"],
        prototype_steps=config["evaluate"]["prototype_steps"],
        prototype_lam=config["evaluate"]["prototype_lam"],
        device=config["training"]["device"],
        seed=config["seed"],
    threads: config["training"]["threads"]
    resources:
        mem_mb=8000,
        runtime=60,
        gpu=1 if config["training"]["device"] == "cuda" else 0,
    conda:
        "../envs/eegxai.yaml"
    script:
        "../scripts/evaluate.py"


rule band_occlusion:
    input:
        epochs="results/epochs/{dataset}/{subject}-epo.fif",
        model="results/models/{dataset}/{subject}/{model}.pt",
        metrics="results/metrics/{dataset}/{subject}/{model}.json",
    output:
        "results/occlusion/{dataset}/{subject}/{model}.json",
    log:
        "logs/occlusion/{dataset}/{subject}-{model}.log",
    benchmark:
        "results/benchmarks/band_occlusion/{dataset}/{subject}-{model}.tsv"
    params:
        width=config["occlusion"]["width"],
        fmin=config["occlusion"]["fmin"],
        fmax=config["occlusion"]["fmax"],
        n_permutations=config["occlusion"]["n_permutations"],
        device=config["training"]["device"],
        seed=config["seed"],
    threads: config["training"]["threads"]
    resources:
        mem_mb=8000,
        runtime=30,
        gpu=1 if config["training"]["device"] == "cuda" else 0,
    conda:
        "../envs/eegxai.yaml"
    script:
        "../scripts/band_occlusion.py"


rule clever_hans:
    output:
        "results/clever_hans/{subject}.json",
    log:
        "logs/clever_hans/{subject}.log",
    benchmark:
        "results/benchmarks/clever_hans/{subject}.tsv"
    params:
        subject=lambda wc: subject_number(wc.subject),
        n_epochs=config["clever_hans"]["n_epochs"],
        blink_class=config["clever_hans"]["blink_class"],
        device=config["training"]["device"],
        seed=config["seed"],
    threads: config["training"]["threads"]
    resources:
        mem_mb=4000,
        runtime=30,
        gpu=1 if config["training"]["device"] == "cuda" else 0,
    conda:
        "../envs/eegxai.yaml"
    script:
        "../scripts/clever_hans.py"
