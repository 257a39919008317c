# Image study (sibling workflow): MNIST digits -> CNN / MLP / CAM -> heatmaps of every
# method, Clever Hans tag, sliding-window scanning -> reports/image/index.html.
# Rules declare; eegxai.image.steps computes.

# The main schema's $ref validates this block but does not fill its defaults;
# validating the block against its own schema does.
validate(config["image"], schema="../schemas/image.schema.yaml")
IMAGE = config["image"]

DOMAIN_TARGETS.append("reports/image/index.html")


wildcard_constraints:
    image_model="cnn|mlp",


rule image_train:
    output:
        model="results/image/models/{image_model}.pt",
        metrics="results/image/metrics/{image_model}.json",
    log:
        "logs/image/train/{image_model}.log",
    benchmark:
        "results/benchmarks/image_train/{image_model}.tsv"
    params:
        data=IMAGE["data"],
        arch=lambda wc: {k: v for k, v in IMAGE[wc.image_model].items() if k in ("n_filters", "n_hidden")},
        fit=lambda wc: {k: v for k, v in IMAGE[wc.image_model].items() if k in ("n_epochs", "lr", "max_shift")},
        threads=IMAGE["threads"],
    threads: IMAGE["threads"]
    resources:
        mem_mb=3000,
        runtime=30,
    conda:
        "../envs/eegxai.yaml"
    script:
        "../scripts/image_train.py"


rule image_cam:
    input:
        cnn="results/image/models/cnn.pt",
    output:
        model="results/image/models/cam.pt",
        metrics="results/image/metrics/cam.json",
    log:
        "logs/image/cam.log",
    benchmark:
        "results/benchmarks/image_cam/cam.tsv"
    params:
        data=IMAGE["data"],
        n_maps=IMAGE["cam"]["n_maps"],
        fit={k: v for k, v in IMAGE["cam"].items() if k != "n_maps"},
        threads=IMAGE["threads"],
    threads: IMAGE["threads"]
    resources:
        mem_mb=3000,
        runtime=30,
    conda:
        "../envs/eegxai.yaml"
    script:
        "../scripts/image_cam.py"


rule image_heatmaps:
    input:
        cnn="results/image/models/cnn.pt",
        cam="results/image/models/cam.pt",
    output:
        arrays="results/image/heatmaps.npz",
        summary="results/image/heatmaps.json",
    log:
        "logs/image/heatmaps.log",
    benchmark:
        "results/benchmarks/image_heatmaps/heatmaps.tsv"
    params:
        data=IMAGE["data"],
        heatmaps=IMAGE["heatmaps"],
        threads=IMAGE["threads"],
    threads: IMAGE["threads"]
    resources:
        mem_mb=3000,
        runtime=30,
    conda:
        "../envs/eegxai.yaml"
    script:
        "../scripts/image_heatmaps.py"


rule image_pixel_flipping:
    input:
        cnn="results/image/models/cnn.pt",
    output:
        "results/image/pixel_flipping.json",
    log:
        "logs/image/pixel_flipping.log",
    benchmark:
        "results/benchmarks/image_pixel_flipping/pixel_flipping.tsv"
    params:
        data=IMAGE["data"],
        pixel_flipping=IMAGE["pixel_flipping"],
        threads=IMAGE["threads"],
    threads: IMAGE["threads"]
    resources:
        mem_mb=3000,
        runtime=30,
    conda:
        "../envs/eegxai.yaml"
    script:
        "../scripts/image_pixel_flipping.py"


rule image_prototypes:
    input:
        cnn="results/image/models/cnn.pt",
    output:
        summary="results/image/prototypes.json",
        arrays="results/image/prototypes.npz",
    log:
        "logs/image/prototypes.log",
    benchmark:
        "results/benchmarks/image_prototypes/prototypes.tsv"
    params:
        data=IMAGE["data"],
        prototypes=IMAGE["prototypes"],
        threads=IMAGE["threads"],
    threads: IMAGE["threads"]
    resources:
        mem_mb=3000,
        runtime=30,
    conda:
        "../envs/eegxai.yaml"
    script:
        "../scripts/image_prototypes.py"


rule image_clever_hans:
    output:
        summary="results/image/clever_hans.json",
        arrays="results/image/clever_hans.npz",
    log:
        "logs/image/clever_hans.log",
    benchmark:
        "results/benchmarks/image_clever_hans/clever_hans.tsv"
    params:
        data=IMAGE["data"],
        arch={k: IMAGE["cnn"][k] for k in ("n_filters", "n_hidden")},
        fit={"n_epochs": IMAGE["clever_hans"]["n_epochs"], "lr": IMAGE["cnn"]["lr"]},
        clever_hans={k: v for k, v in IMAGE["clever_hans"].items() if k != "n_epochs"},
        threads=IMAGE["threads"],
    threads: IMAGE["threads"]
    resources:
        mem_mb=3000,
        runtime=60,
    conda:
        "../envs/eegxai.yaml"
    script:
        "../scripts/image_clever_hans.py"


rule image_scanning:
    output:
        model="results/image/models/crop_cnn.pt",
        summary="results/image/scanning.json",
        arrays="results/image/scanning.npz",
    log:
        "logs/image/scanning.log",
    benchmark:
        "results/benchmarks/image_scanning/scanning.tsv"
    params:
        data=IMAGE["data"],
        arch={k: IMAGE["cnn"][k] for k in ("n_filters", "n_hidden")},
        fit={"n_epochs": IMAGE["scanning"]["n_epochs"], "lr": IMAGE["cnn"]["lr"], "max_shift": 0},
        scanning={k: v for k, v in IMAGE["scanning"].items() if k != "n_epochs"},
        threads=IMAGE["threads"],
    threads: IMAGE["threads"]
    resources:
        mem_mb=3000,
        runtime=60,
    conda:
        "../envs/eegxai.yaml"
    script:
        "../scripts/image_scanning.py"


rule image_report:
    input:
        metrics=expand("results/image/metrics/{name}.json", name=["cnn", "mlp", "cam"]),
        heatmaps="results/image/heatmaps.npz",
        heatmaps_summary="results/image/heatmaps.json",
        pixel_flipping="results/image/pixel_flipping.json",
        prototypes="results/image/prototypes.json",
        prototypes_arrays="results/image/prototypes.npz",
        clever_hans="results/image/clever_hans.json",
        clever_hans_arrays="results/image/clever_hans.npz",
        scanning="results/image/scanning.json",
        scanning_arrays="results/image/scanning.npz",
    output:
        report(
            "reports/image/index.html",
            caption="../report/image_report.rst",
            category="6 Image study",
            labels={"domain": "image", "figure": "report"},
        ),
    log:
        "logs/image/report.log",
    benchmark:
        "results/benchmarks/image_report/index.tsv"
    params:
        config=IMAGE,
    threads: 1
    resources:
        mem_mb=2000,
        runtime=15,
    conda:
        "../envs/eegxai.yaml"
    script:
        "../scripts/image_report.py"
