# Cross-subject transfer (eegxai.transfer), when `transfer.enabled`:
# pretrain (one model per subject group, from the OTHER groups' subjects) ->
# finetune (per target, on its own training folds; also the zero-shot score) and the
# cross-subject expert baseline. The fine-tuned models ARE the study's models: they are
# written to results/models|metrics/{dataset}/{subject}/{model}.*, so explain, compare,
# evaluate and the reports read them; within-subject training moves to results/transfer.


wildcard_constraints:
    group=r"\d+",


if TRANSFER.get("enabled", False):

    ruleorder: finetune > train

    rule pretrain:
        input:
            epochs=lambda wc: expand(
                "results/epochs/{dataset}/{subject}-epo.fif",
                dataset=wc.dataset,
                subject=transfer_sources(wc.dataset, wc.group),
            ),
        output:
            model="results/transfer/{dataset}/pretrained/{model}-group{group}.pt",
            history="results/transfer/{dataset}/pretrained/{model}-group{group}-history.csv",
            summary="results/transfer/{dataset}/pretrained/{model}-group{group}.json",
        log:
            "logs/pretrain/{dataset}/{model}-group{group}.log",
        benchmark:
            "results/benchmarks/pretrain/{dataset}-{model}-group{group}.tsv"
        params:
            sources=lambda wc: transfer_sources(wc.dataset, wc.group),
            align=TRANSFER.get("align", True),
            valid_by=TRANSFER.get("valid_by", "subject"),
            training=lambda wc: transfer_training("pretrain", wc.model),
            seed=config["seed"],
        threads: config["training"]["threads"]
        resources:
            mem_mb=8000,
            runtime=120,
        conda:
            "../envs/eegxai.yaml"
        script:
            "../scripts/pretrain.py"

    rule finetune:
        input:
            epochs="results/epochs/{dataset}/{subject}-epo.fif",
            pretrained=lambda wc: "results/transfer/{dataset}/pretrained/{model}-group{group}.pt".format(
                dataset=wc.dataset, model=wc.model, group=transfer_group(wc.dataset, wc.subject)
            ),
        output:
            model="results/models/{dataset}/{subject}/{model}.pt",
            metrics="results/metrics/{dataset}/{subject}/{model}.json",
            history="results/metrics/{dataset}/{subject}/{model}-history.csv",
            zero_shot="results/transfer/{dataset}/{subject}/{model}-zeroshot.json",
        log:
            "logs/finetune/{dataset}/{subject}-{model}.log",
        benchmark:
            "results/benchmarks/finetune/{dataset}-{subject}-{model}.tsv"
        params:
            split=lambda wc: dataset_param(wc.dataset, "split"),
            align=TRANSFER.get("align", True),
            training=lambda wc: transfer_training("finetune", wc.model),
            seed=config["seed"],
        threads: config["training"]["threads"]
        resources:
            mem_mb=8000,
            runtime=120,
        conda:
            "../envs/eegxai.yaml"
        script:
            "../scripts/finetune.py"

    rule train_within:
        input:
            epochs="results/epochs/{dataset}/{subject}-epo.fif",
        output:
            model="results/transfer/{dataset}/{subject}/{model}-within.pt",
            metrics="results/transfer/{dataset}/{subject}/{model}-within.json",
            history="results/transfer/{dataset}/{subject}/{model}-within-history.csv",
        log:
            "logs/train_within/{dataset}/{subject}-{model}.log",
        benchmark:
            "results/benchmarks/train_within/{dataset}-{subject}-{model}.tsv"
        params:
            split=lambda wc: dataset_param(wc.dataset, "split"),
            training=training_params,
            seed=config["seed"],
        threads: config["training"]["threads"]
        resources:
            mem_mb=8000,
            runtime=240,
        conda:
            "../envs/eegxai.yaml"
        script:
            "../scripts/train.py"

    rule transfer_baseline:
        input:
            epochs="results/epochs/{dataset}/{subject}-epo.fif",
            sources=lambda wc: expand(
                "results/epochs/{dataset}/{subject}-epo.fif",
                dataset=wc.dataset,
                subject=transfer_sources(wc.dataset, transfer_group(wc.dataset, wc.subject)),
            ),
        output:
            "results/transfer/{dataset}/{subject}/baselines.json",
        log:
            "logs/transfer_baseline/{dataset}/{subject}.log",
        benchmark:
            "results/benchmarks/transfer_baseline/{dataset}-{subject}.tsv"
        params:
            split=lambda wc: dataset_param(wc.dataset, "split"),
            seed=config["seed"],
        threads: 1
        resources:
            mem_mb=4000,
            runtime=30,
        conda:
            "../envs/eegxai.yaml"
        script:
            "../scripts/transfer_baseline.py"

