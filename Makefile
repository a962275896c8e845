# hobopy: `make run` starts the local stack, `make test` runs every test.
# Both install what is missing first (the .venv and the local engine's packages).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed

.PHONY: run test lint bench install clean help package deploy deploy-artifact destroy fuzz loadtest

help:
	@echo "make run     start the local engine (:8001), accounts (:8003), the API (:8000) and the UI (:8002)"
	@echo "make test    run the linters, then the whole test suite"
	@echo "make lint    ruff (lint and format check) and mypy (strict on the Lambda code)"
	@echo "make bench   warm calls against bare boto3, cold start, kept-alive connections, owner isolation"
	@echo "make fuzz    long schemathesis run against a throwaway stack, long stateful model test"
	@echo "make loadtest 8 concurrent clients for 30 s against a throwaway stack, then a data audit"
	@echo "make package write dist/STAGE/sam.json and deployment.zip, offline (STAGE=prod)"
	@echo "make deploy  package, upload and deploy the stack (needs AWS credentials and BUCKET=...; ALARM_EMAIL=... optional)"
	@echo "make deploy-artifact  deploy an existing package (DIST=...) with the aws CLI only, as CI does"
	@echo "make destroy delete the stack (the table is kept)"

install: $(STAMP) $(NODE_STAMP)

# uv installs the locked versions in a fraction of pip's time. Where it cannot
# (no uv build for the platform, or a package index that only pip's own
# configuration names), pip installs the very same versions.
UV := uv==0.13.8
PIP_INSTALL = $(BIN)/python -m pip install --quiet --disable-pip-version-check
$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "hobopy needs Python 3.11 or newer; set PYTHON=python3.x")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@if $(PIP_INSTALL) $(UV) && $(BIN)/uv pip install --quiet --python $(BIN)/python --compile-bytecode \
			-c requirements.lock -e '.[test]'; then \
		echo "installed the locked packages into $(VENV) (uv)"; \
	else \
		echo "uv could not install the packages; pip installs them instead."; \
		$(PIP_INSTALL) -c requirements.lock -e '.[test]'; \
	fi
	@touch $@

# Node.js is optional: without it the stack falls back to moto's in-memory server.
$(NODE_STAMP): package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --no-audit --no-fund --loglevel=error && touch $@; \
	else \
		echo "warning: Node.js/npm not found; the local engine will be moto (in memory)."; \
	fi

run: install
	$(BIN)/hobopy run

# Three workers keep two cores busy while some tests wait on servers and
# browsers. Each test file runs whole in one worker, so the servers its
# fixtures start serve all its tests. TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= 3
test: install lint
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: install
	$(BIN)/python -m devtools.quality.bench

# The long versions of what `make test` runs briefly (tests/reliability).
fuzz: install
	$(BIN)/python -m devtools.quality.fuzz --max-examples 200
	HOBOPY_STATEFUL_EXAMPLES=150 $(BIN)/python -m pytest -q -p no:logging tests/reliability/test_state_machine.py

loadtest: install
	$(BIN)/python -m devtools.quality.loadtest --clients 8 --users 2 --seconds 30

clean:
	rm -rf $(VENV) node_modules dist frontend/build .pytest_cache

# Deployment: one CloudFormation stack per stage. `make package` needs no AWS account.
STAGE ?= prod
DIST ?= dist/$(STAGE)
STACK ?= hobopy-$(STAGE)
# The project's aws CLI when it is installed; otherwise (CI's deploy job) the one on PATH.
AWS = $(if $(wildcard $(BIN)/aws),$(BIN)/aws,aws)
STACK_OUTPUT = $(AWS) cloudformation describe-stacks --stack-name $(STACK) --output text --query
OUTPUT = $$($(STACK_OUTPUT) "Stacks[0].Outputs[?OutputKey=='$(1)'].OutputValue")

package: install
	$(BIN)/hobopy package --stage $(STAGE) --out $(DIST)
	$(BIN)/cfn-lint $(DIST)/sam.json

deploy: package
	@$(MAKE) --no-print-directory deploy-artifact

# Deploys the package in DIST as `make package` wrote it, with the aws CLI alone:
# nothing is installed and no project code runs while AWS credentials are at hand.
deploy-artifact:
	@test -n "$(BUCKET)" || { echo "make deploy needs BUCKET=<an S3 bucket of yours in the stack's region>"; exit 2; }
	@test -f $(DIST)/sam.json -a -f $(DIST)/deployment.zip || { echo "no package in $(DIST): run make package"; exit 2; }
	$(AWS) cloudformation package --template-file $(DIST)/sam.json --s3-bucket $(BUCKET) --s3-prefix $(STACK) \
		--use-json --output-template-file $(DIST)/packaged.json
	$(AWS) cloudformation deploy --template-file $(DIST)/packaged.json --stack-name $(STACK) \
		--capabilities CAPABILITY_IAM --no-fail-on-empty-changeset \
		$(if $(ALARM_EMAIL),--parameter-overrides AlarmEmail=$(ALARM_EMAIL))
	@echo "API: $(call OUTPUT,EndpointURL)todos"
	@echo "Accounts: region $(call OUTPUT,Region), user pool $(call OUTPUT,UserPoolId), app client $(call OUTPUT,UserPoolClientId)"
	@echo "The first user signs up from the UI, or see README.md (Deploy to AWS > Accounts)."

destroy: install
	@echo "Keeping table $(call OUTPUT,TodosTableName) and user pool $(call OUTPUT,UserPoolId) (see README: Deploy to AWS)"
	$(AWS) cloudformation delete-stack --stack-name $(STACK)
	$(AWS) cloudformation wait stack-delete-complete --stack-name $(STACK)
