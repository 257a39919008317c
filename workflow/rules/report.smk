# Reports: one self-contained HTML page per subject and one per dataset.
# eegxai.report builds them; the pages are registered for `snakemake --report`.


include: "report_inputs.smk"


rule report:
    input:
        unpack(report_inputs),
    output:
        report(
            "reports/{dataset}/{subject}.html",
            caption="../report/subject_report.rst",
            category="8 Reports",
            subcategory="{subject}",
            labels={"dataset": "{dataset}", "subject": "{subject}", "figure": "subject report"},
        ),
    log:
        "logs/report/{dataset}/{subject}.log",
    benchmark:
        "results/benchmarks/report/{dataset}/{subject}.tsv"
    params:
        models=config["models"],
        config=config,
        reference=lambda wc: report_reference(wc.dataset),
        simulated=lambda wc: dataset_param(wc.dataset, "loader") == "simulated",
        eog_flag_factor=config["report"]["eog_flag_factor"],
    threads: 1
    resources:
        mem_mb=4000,
        runtime=20,
    conda:
        "../envs/eegxai.yaml"
    script:
        "../scripts/report.py"


rule group_report:
    input:
        unpack(group_report_inputs),
    output:
        report(
            "reports/{dataset}/group.html",
            caption="../report/group_report.rst",
            category="8 Reports",
            subcategory="group",
            labels={"dataset": "{dataset}", "subject": "group", "figure": "group report"},
        ),
    log:
        "logs/report/{dataset}/group.log",
    benchmark:
        "results/benchmarks/group_report/{dataset}.tsv"
    params:
        config=config,
        reference=lambda wc: report_reference(wc.dataset),
        simulated=lambda wc: dataset_param(wc.dataset, "loader") == "simulated",
        n_permutations=config["compare"]["n_permutations"],
        seed=config["seed"],
    threads: 1
    resources:
        mem_mb=4000,
        runtime=20,
    conda:
        "../envs/eegxai.yaml"
    script:
        "../scripts/group_report.py"
