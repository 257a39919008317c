# Input functions and parameters of the report rules (rules/report.smk), kept
# apart from the rules as the linter asks; shared helpers live in common.smk.


def report_reference(dataset):
    """Published numbers shown beside ours: BCI IV 2b for real or 2b-layout data."""
    loader = dataset_param(dataset, "loader")
    montage = DATASETS[dataset].get("loader_args", {}).get("montage")
    if loader == "bci_iv_2b" or (loader == "simulated" and montage == "2b"):
        return "bci_iv_2b"
    return None


def report_inputs(wildcards):
    """Every per-subject output of one subject (all models, primary method)."""
    models = config["models"]
    base = {"dataset": wildcards.dataset, "subject": wildcards.subject}

    def each(pattern):
        return expand(pattern, model=models, method=PRIMARY_METHOD, **base)

    return {
        "qc_json": "results/qc/{dataset}/{subject}.json".format(**base),
        "qc_png": "results/qc/{dataset}/{subject}.png".format(**base),
        "baselines": "results/baselines/{dataset}/{subject}.json".format(**base),
        "metrics": each("results/metrics/{dataset}/{subject}/{model}.json"),
        "history": each("results/metrics/{dataset}/{subject}/{model}-history.csv"),
        "relevance": each("results/relevance/{dataset}/{subject}/{model}-{method}.h5"),
        "summary": each("results/relevance/{dataset}/{subject}/{model}-{method}.json"),
        "compare": each("results/compare/{dataset}/{subject}/{model}.json"),
        "expert": each("results/compare/{dataset}/{subject}/{model}-expert.json"),
        "evaluate": each("results/evaluate/{dataset}/{subject}/{model}.json"),
        "occlusion": each("results/occlusion/{dataset}/{subject}/{model}.json"),
    }


def group_report_inputs(wildcards):
    """Per-subject files of every subject of one dataset."""
    models = config["models"]
    subjects = subject_ids(wildcards.dataset)
    base = {"dataset": wildcards.dataset, "subject": subjects, "model": models}
    return {
        "metrics": expand("results/metrics/{dataset}/{subject}/{model}.json", **base),
        "baselines": expand("results/baselines/{dataset}/{subject}.json",
                            dataset=wildcards.dataset, subject=subjects),
        "compare": expand("results/compare/{dataset}/{subject}/{model}.json", **base),
        "occlusion": expand("results/occlusion/{dataset}/{subject}/{model}.json", **base),
        "summary": expand(
            "results/relevance/{dataset}/{subject}/{model}-{method}.json",
            method=PRIMARY_METHOD, **base),
        "transfer": group_transfer_inputs(wildcards.dataset, subjects, models),
    }


def group_transfer_inputs(dataset, subjects, models):
    """Within-subject, zero-shot and cross-subject baseline files (transfer on)."""
    if not TRANSFER.get("enabled", False):
        return []
    base = {"dataset": dataset, "subject": subjects}
    return expand("results/transfer/{dataset}/{subject}/{model}-{scheme}.json",
                  model=models, scheme=("within", "zeroshot"), **base) + expand(
        "results/transfer/{dataset}/{subject}/baselines.json", **base)
