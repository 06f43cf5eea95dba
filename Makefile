# Two commands do all the set-up: `make report` and `make test`.
# Each creates .venv when it is missing or older than pyproject.toml and installs
# the package (editable) with its test extras.

PYTHON ?= python3
VENV   := .venv
BIN    := $(CURDIR)/$(VENV)/bin
STAMP  := $(VENV)/.installed
SAMPLE ?= data/sample/google_forms.xlsx
CODEBOOK ?= data/codebook.yml
REGISTER ?= data/sample/members.csv
# The reports' language: en (English) or ro (Romanian); Romanian reports go to reports/ro/.
REPORT_LANG ?= en
REPORT_DIR ?= $(if $(filter en,$(REPORT_LANG)),reports,reports/$(REPORT_LANG))

# Notebook kernels and console scripts must come from the project's environment.
export PATH := $(BIN):$(PATH)
export MPLBACKEND := Agg

.PHONY: report test lab sample bench browser clean help

help:
	@echo "make report  - write the brief and the reports on the bundled sample to reports/ (REPORT_LANG=ro: reports/ro/)"
	@echo "make test    - run the unit tests and execute every notebook under nbval"
	@echo "make lab     - open JupyterLab on notebooks/"
	@echo "make sample  - regenerate the bundled sample in data/sample/"
	@echo "make bench   - run the speed and memory benchmarks and the wording match"
	@echo "make browser - install headless Chromium (Debian) for the browser test of the reports"

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (survey-analysis)" >/dev/null
	@touch $(STAMP)

report: $(STAMP)
	$(BIN)/survey-analysis report $(SAMPLE) --codebook $(CODEBOOK) --register $(REGISTER) --out $(REPORT_DIR) \
	  --lang $(REPORT_LANG)

test: $(STAMP)
	$(BIN)/python -m pytest --nbval-lax --nbval-current-env tests notebooks

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

sample: $(STAMP)
	$(BIN)/survey-analysis sample --out data/sample --force

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_load.py
	$(BIN)/python benchmarks/bench_segment.py
	$(BIN)/python benchmarks/bench_report.py
	$(BIN)/python benchmarks/bench_portfolio.py
	$(BIN)/python benchmarks/bench_header_matching.py
	$(BIN)/python benchmarks/match_wordings.py tests/data/wordings/author_a

browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

clean:
	rm -rf reports/*.html reports/executed reports/figures reports/ro reports/.survey-analysis-* .pytest_cache test-artefacts
