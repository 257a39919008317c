# DNA study (sibling workflow): ChIP-seq peaks (janggu wheel) vs dinucleotide
# shuffles -> DeepBind-style CNN -> nucleotide relevance -> motifs vs JASPAR;
# planted-motif ground truth. Rules declare; eegxai.dna.pipeline computes.
# The main schema's $ref to another file validates this block but does not fill
# its defaults; validating the block against its own schema does.
validate(config["dna"], schema="../schemas/dna.schema.yaml")
DNA = config["dna"]
DNA_FACTORS = DNA["factors"]


wildcard_constraints:
    factor="|".join(DNA_FACTORS),


DOMAIN_TARGETS.append("reports/dna/index.html")


rule dna_jaspar:
    output:
        "results/dna/jaspar.json",
    log:
        "logs/dna/jaspar.log",
    benchmark:
        "results/benchmarks/dna_jaspar/jaspar.tsv"
    params:
        release=DNA["motifs"]["jaspar_release"],
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    conda:
        "../envs/eegxai.yaml"
    script:
        "../scripts/dna_jaspar.py"


rule dna_train:
    output:
        model="results/dna/models/{factor}.pt",
        data="results/dna/data/{factor}.npz",
        metrics="results/dna/metrics/{factor}.json",
    log:
        "logs/dna/train/{factor}.log",
    benchmark:
        "results/benchmarks/dna_train/{factor}.tsv"
    params:
        wheel=DNA["wheel"],
        seed=config["seed"],
        test_fraction=DNA["test_fraction"],
        max_sequences=DNA["max_sequences"],
        training=DNA["training"],
    threads: DNA["training"]["threads"]
    resources:
        mem_mb=4000,
        runtime=60,
    conda:
        "../envs/eegxai.yaml"
    script:
        "../scripts/dna_train.py"


rule dna_explain:
    input:
        model="results/dna/models/{factor}.pt",
        data="results/dna/data/{factor}.npz",
    output:
        relevance="results/dna/relevance/{factor}.npz",
        figure=report(
            "results/dna/figures/{factor}-tracks.png",
            caption="../report/dna_tracks.rst",
            category="DNA",
            subcategory="{factor}",
            labels={"factor": "{factor}", "figure": "relevance TP/FP/FN"},
        ),
    log:
        "logs/dna/explain/{factor}.log",
    benchmark:
        "results/benchmarks/dna_explain/{factor}.tsv"
    params:
        explain=DNA["explain"],
    threads: 1
    resources:
        mem_mb=4000,
        runtime=60,
    conda:
        "../envs/eegxai.yaml"
    script:
        "../scripts/dna_explain.py"


rule dna_motifs:
    input:
        data="results/dna/data/{factor}.npz",
        relevance="results/dna/relevance/{factor}.npz",
        jaspar="results/dna/jaspar.json",
    output:
        motifs="results/dna/motifs/{factor}.json",
        logo=report(
            "results/dna/figures/{factor}-logo.png",
            caption="../report/dna_logo.rst",
            category="DNA",
            subcategory="{factor}",
            labels={"factor": "{factor}", "figure": "motif vs JASPAR"},
        ),
    log:
        "logs/dna/motifs/{factor}.log",
    benchmark:
        "results/benchmarks/dna_motifs/{factor}.tsv"
    params:
        motifs={k: v for k, v in DNA["motifs"].items() if k != "jaspar_release"},
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    conda:
        "../envs/eegxai.yaml"
    script:
        "../scripts/dna_motifs.py"


rule dna_ground_truth:
    input:
        jaspar="results/dna/jaspar.json",
    output:
        "results/dna/ground_truth.json",
    log:
        "logs/dna/ground_truth.log",
    benchmark:
        "results/benchmarks/dna_ground_truth/ground_truth.tsv"
    params:
        simulation=DNA["ground_truth"],
        explain=DNA["explain"],
        training={k: v for k, v in DNA["training"].items() if k != "threads"},
        seed=config["seed"],
    threads: 1
    resources:
        mem_mb=4000,
        runtime=60,
    conda:
        "../envs/eegxai.yaml"
    script:
        "../scripts/dna_ground_truth.py"


rule dna_report:
    input:
        metrics=expand("results/dna/metrics/{factor}.json", factor=DNA_FACTORS),
        tracks=expand("results/dna/figures/{factor}-tracks.png", factor=DNA_FACTORS),
        motifs=expand("results/dna/motifs/{factor}.json", factor=DNA_FACTORS),
        logos=expand("results/dna/figures/{factor}-logo.png", factor=DNA_FACTORS),
        ground_truth="results/dna/ground_truth.json",
    output:
        report(
            "reports/dna/index.html",
            caption="../report/dna_report.rst",
            category="DNA",
            labels={"figure": "DNA report"},
        ),
    log:
        "logs/dna/report.log",
    benchmark:
        "results/benchmarks/dna_report/report.tsv"
    params:
        factors=DNA_FACTORS,
        config={"seed": config["seed"], "dna": DNA},
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        "../envs/eegxai.yaml"
    script:
        "../scripts/dna_report.py"
