# Text study (sibling workflow): 20 Newsgroups -> TF-IDF + linear SVM and a 1-D CNN on
# GloVe -> word relevance (LRP, sensitivity) -> word deletion, explanatory power index,
# header Clever Hans -> reports/text/index.html. Rules declare; eegxai.text computes.

# The main schema's $ref validates this block but does not fill its defaults;
# validating the block against its own schema does.
validate(config["text"], schema="../schemas/text.schema.yaml")
TEXT = config["text"]

DOMAIN_TARGETS.append("reports/text/index.html")


wildcard_constraints:
    text_variant="clean|headers",
    text_model="svm|cnn",


include: "text_common.smk"


rule text_cache:
    output:
        cache="results/text/data/20news-bydate_py3.pkz",
    log:
        "logs/text/cache.log",
    benchmark:
        "results/benchmarks/text_cache/cache.tsv"
    params:
        archive=TEXT["archive"],
    threads: 1
    resources:
        mem_mb=2000,
        runtime=15,
    conda:
        "../envs/eegxai.yaml"
    script:
        "../scripts/text_cache.py"


rule text_corpus:
    input:
        cache="results/text/data/20news-bydate_py3.pkz",
    output:
        npz="results/text/data/{text_variant}/corpus.npz",
        json="results/text/data/{text_variant}/corpus.json",
    log:
        "logs/text/corpus/{text_variant}.log",
    benchmark:
        "results/benchmarks/text_corpus/{text_variant}.tsv"
    params:
        corpus={
            k: TEXT[k] for k in ("categories", "remove", "max_words", "min_count", "seed")
        },
    threads: 1
    resources:
        mem_mb=4000,
        runtime=20,
    conda:
        "../envs/eegxai.yaml"
    script:
        "../scripts/text_corpus.py"


rule text_train_svm:
    input:
        unpack(lambda wc: text_corpus(wc.text_variant)),
    output:
        model="results/text/models/{text_variant}/svm.npz",
        metrics="results/text/metrics/{text_variant}/svm.json",
    log:
        "logs/text/train/{text_variant}-svm.log",
    benchmark:
        "results/benchmarks/text_train_svm/{text_variant}.tsv"
    params:
        svm={**TEXT["svm"], "seed": TEXT["seed"]},
    threads: 1
    resources:
        mem_mb=4000,
        runtime=20,
    conda:
        "../envs/eegxai.yaml"
    script:
        "../scripts/text_train_svm.py"


rule text_train_cnn:
    input:
        unpack(lambda wc: text_corpus(wc.text_variant)),
    output:
        model="results/text/models/{text_variant}/cnn.pt",
        metrics="results/text/metrics/{text_variant}/cnn.json",
    log:
        "logs/text/train/{text_variant}-cnn.log",
    benchmark:
        "results/benchmarks/text_train_cnn/{text_variant}.tsv"
    params:
        cnn=TEXT["cnn"],
        seed=TEXT["seed"],
    threads: TEXT["threads"]
    resources:
        mem_mb=4000,
        runtime=120,
    conda:
        "../envs/eegxai.yaml"
    script:
        "../scripts/text_train_cnn.py"


rule text_relevance:
    input:
        unpack(lambda wc: text_corpus("clean")),
        model=lambda wc: text_model_file("clean", wc.text_model),
    output:
        relevance="results/text/relevance/{text_model}.npz",
    log:
        "logs/text/relevance/{text_model}.log",
    benchmark:
        "results/benchmarks/text_relevance/{text_model}.tsv"
    params:
        explain=TEXT["explain"],
    threads: TEXT["threads"]
    resources:
        mem_mb=4000,
        runtime=60,
    conda:
        "../envs/eegxai.yaml"
    script:
        "../scripts/text_relevance.py"


rule text_deletion:
    input:
        unpack(lambda wc: text_corpus("clean")),
        model=lambda wc: text_model_file("clean", wc.text_model),
        relevance="results/text/relevance/{text_model}.npz",
    output:
        deletion="results/text/deletion/{text_model}.json",
    log:
        "logs/text/deletion/{text_model}.log",
    benchmark:
        "results/benchmarks/text_deletion/{text_model}.tsv"
    params:
        deletion=TEXT["deletion"],
        seed=TEXT["seed"],
    threads: TEXT["threads"]
    resources:
        mem_mb=4000,
        runtime=60,
    conda:
        "../envs/eegxai.yaml"
    script:
        "../scripts/text_deletion.py"


rule text_epi:
    input:
        unpack(lambda wc: text_corpus("clean")),
        svm="results/text/relevance/svm.npz",
        cnn="results/text/relevance/cnn.npz",
    output:
        epi="results/text/epi.json",
    log:
        "logs/text/epi.log",
    benchmark:
        "results/benchmarks/text_epi/epi.tsv"
    params:
        epi=TEXT["epi"],
        seed=TEXT["seed"],
    threads: 1
    resources:
        mem_mb=4000,
        runtime=20,
    conda:
        "../envs/eegxai.yaml"
    script:
        "../scripts/text_epi.py"


rule text_clever_hans:
    input:
        clean_npz="results/text/data/clean/corpus.npz",
        clean_json="results/text/data/clean/corpus.json",
        headers_npz="results/text/data/headers/corpus.npz",
        headers_json="results/text/data/headers/corpus.json",
        clean_svm=text_model_file("clean", "svm"),
        clean_cnn=text_model_file("clean", "cnn"),
        headers_svm=text_model_file("headers", "svm"),
        headers_cnn=text_model_file("headers", "cnn"),
    output:
        clever_hans="results/text/clever_hans.json",
    log:
        "logs/text/clever_hans.log",
    benchmark:
        "results/benchmarks/text_clever_hans/clever_hans.tsv"
    params:
        clever_hans={
            "composite": TEXT["explain"]["composite"],
            "n_docs": TEXT["clever_hans"]["n_docs"],
        },
    threads: TEXT["threads"]
    resources:
        mem_mb=4000,
        runtime=30,
    conda:
        "../envs/eegxai.yaml"
    script:
        "../scripts/text_clever_hans.py"


rule text_figures:
    input:
        deletion_svm="results/text/deletion/svm.json",
        deletion_cnn="results/text/deletion/cnn.json",
        epi="results/text/epi.json",
        clever_hans="results/text/clever_hans.json",
    output:
        deletion=report(
            "results/text/figures/deletion.png",
            caption="../report/text_deletion.rst",
            category="Text",
            labels={"figure": "word deletion"},
        ),
        epi=report(
            "results/text/figures/epi.png",
            caption="../report/text_epi.rst",
            category="Text",
            labels={"figure": "explanatory power index"},
        ),
        clever_hans=report(
            "results/text/figures/clever_hans.png",
            caption="../report/text_clever_hans.rst",
            category="Text",
            labels={"figure": "header Clever Hans"},
        ),
    log:
        "logs/text/figures.log",
    benchmark:
        "results/benchmarks/text_figures/figures.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        "../envs/eegxai.yaml"
    script:
        "../scripts/text_figures.py"


rule text_report:
    input:
        unpack(lambda wc: text_corpus("clean")),
        metrics_svm="results/text/metrics/clean/svm.json",
        metrics_cnn="results/text/metrics/clean/cnn.json",
        relevance_svm="results/text/relevance/svm.npz",
        relevance_cnn="results/text/relevance/cnn.npz",
        deletion_svm="results/text/deletion/svm.json",
        deletion_cnn="results/text/deletion/cnn.json",
        epi="results/text/epi.json",
        clever_hans="results/text/clever_hans.json",
        figures=rules.text_figures.output,
    output:
        html=report(
            "reports/text/index.html",
            caption="../report/text_report.rst",
            category="Text",
            labels={"page": "text study"},
        ),
    log:
        "logs/text/report.log",
    benchmark:
        "results/benchmarks/text_report/report.tsv"
    params:
        config=TEXT,
        report=TEXT["report"],
    threads: 1
    resources:
        mem_mb=3000,
        runtime=10,
    conda:
        "../envs/eegxai.yaml"
    script:
        "../scripts/text_report.py"
