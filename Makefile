# hobopy: `make run` starts the local stack, `make test` runs every test.
# Both install what is missing first (the .venv and the local engine's packages).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed

.PHONY: run test lint bench install lock clean help package package-sums verify-package deploy deploy-artifact app-url destroy fuzz loadtest

help:
	@echo "make run     start the local engine (:8001), accounts (:8003), the API (:8000) and the UI (:8002)"
	@echo "make test    run the linters, then the whole test suite"
	@echo "make lint    ruff (lint and format check) and mypy (strict on the Lambda code)"
	@echo "make bench   warm calls against bare boto3, cold start, kept-alive connections, owner isolation, a phone loading 1,000 todos"
	@echo "make fuzz    long schemathesis run against a throwaway stack, long stateful model test"
	@echo "make loadtest 8 concurrent clients for 30 s against a throwaway stack, then a data audit"
	@echo "make package write dist/STAGE/sam.json, deployment.zip and site/ (the UI), offline (STAGE=prod or staging)"
	@echo "make deploy  package, deploy the stack and publish the UI, print the app's URL (AWS credentials, BUCKET=...; ALARM_EMAIL=... optional)"
	@echo "make deploy-artifact  deploy an existing package (DIST=...) without building anything, as CI does"
	@echo "make destroy empty the UI's bucket and delete the stack (the table and the user pool are kept)"

install: $(STAMP) $(NODE_STAMP)

# Every package comes from a lock that pins its version and the SHA-256 of each of its files: an install
# refuses a file whose hash differs. uv installs the locked packages in a fraction of pip's time; where it
# cannot (no uv build for the platform, or a package index that only pip's own configuration names), or
# with INSTALLER=pip, pip installs the very same files. The project itself goes in last, editable, with
# --no-deps (its dependencies are all in the lock) and no build isolation (its build backend, setuptools,
# is locked too: nothing unchecked is fetched to build it).
UV := uv==0.13.8
INSTALLER ?= uv
LOCK := requirements.lock
UV_LOCK := deploy/requirements-uv.lock
PACKAGE_LOCK := deploy/requirements-package.lock
PUBLISH_LOCK := deploy/requirements-publish.lock
PIP_INSTALL = $(BIN)/python -m pip install --quiet --disable-pip-version-check
UV_INSTALL = $(BIN)/uv pip install --quiet --python $(BIN)/python
# Installs the project into an environment that already holds its locked dependencies (here, and in CI's jobs).
PROJECT_INSTALL = $(PIP_INSTALL) --no-deps --no-build-isolation -e .
$(STAMP): pyproject.toml $(LOCK) $(UV_LOCK)
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "hobopy needs Python 3.11 or newer; set PYTHON=python3.x")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@if [ "$(INSTALLER)" = uv ] && $(PIP_INSTALL) --require-hashes --no-deps -r $(UV_LOCK) \
			&& $(UV_INSTALL) --compile-bytecode --require-hashes -r $(LOCK) \
			&& $(UV_INSTALL) --no-deps --no-build-isolation -e .; then \
		echo "installed the locked packages into $(VENV) (uv, hashes checked)"; \
	else \
		[ "$(INSTALLER)" = pip ] || echo "uv could not install the packages; pip installs them instead."; \
		$(PIP_INSTALL) --require-hashes -r $(LOCK) && $(PROJECT_INSTALL) \
			&& echo "installed the locked packages into $(VENV) (pip, hashes checked)"; \
	fi
	@touch $@

# Rewrites the locks after a change in pyproject.toml; versions it does not change stay as locked.
# Besides the project's own: its build backend and uv for every install, and for CI's jobs, what packaging
# (Chalice, which imports the app and so boto3, and Transcrypt with tinycss2) and publishing the UI (boto3, click) need, at the versions of the main lock.
UV_COMPILE = $(BIN)/uv pip compile --quiet --universal --python-version 3.11 --generate-hashes \
	--custom-compile-command "make lock"
lock: install
	printf '%s\n' setuptools==80.9.0 $(UV) | $(UV_COMPILE) --extra test pyproject.toml - -o $(LOCK)
	echo $(UV) | $(UV_COMPILE) -c $(LOCK) - -o $(UV_LOCK)
	printf '%s\n' chalice boto3 transcrypt tinycss2 setuptools | $(UV_COMPILE) -c $(LOCK) - -o $(PACKAGE_LOCK)
	printf '%s\n' boto3 click setuptools | $(UV_COMPILE) -c $(LOCK) - -o $(PUBLISH_LOCK)

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
# browsers. A fourth ended a loaded two-core run a minute sooner but slowed
# tests enough for a DynamoDB call of the state machine test to run past the
# app's 1.5 s read timeout: three it is. Each test file runs whole in one
# worker, so the servers its fixtures start serve all its tests; the longest
# files start first (tests/support/order.py). TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= 3
test: install lint
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: install
	$(BIN)/python -m devtools.quality.bench
	$(BIN)/python -m devtools.quality.phone

# The long versions of what `make test` runs briefly (tests/quality).
fuzz: install
	$(BIN)/python -m devtools.quality.fuzz --max-examples 200
	HOBOPY_STATEFUL_EXAMPLES=150 $(BIN)/python -m pytest -q -p no:logging tests/quality/test_state_machine.py

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
# The template's switches (README: Deploy to AWS). Only those given are passed: the others keep the stack's values
# (its defaults on the first deploy). WEB_ACL=on|off, WEB_ACL_RATE_LIMIT=<requests per address in 5 minutes>,
# API_ACCESS_LOG=off|on|on-and-set-account-role, APP_DOMAIN=<name> with APP_CERTIFICATE_ARN=<ACM ARN in us-east-1>,
# ALARM_EMAIL=<an address the alarms tell>.
PARAMETERS = $(if $(WEB_ACL),WebAcl=$(WEB_ACL)) $(if $(WEB_ACL_RATE_LIMIT),WebAclRateLimit=$(WEB_ACL_RATE_LIMIT)) \
	$(if $(API_ACCESS_LOG),ApiAccessLog=$(API_ACCESS_LOG)) $(if $(APP_DOMAIN),AppDomain=$(APP_DOMAIN)) \
	$(if $(APP_CERTIFICATE_ARN),AppCertificateArn=$(APP_CERTIFICATE_ARN)) $(if $(ALARM_EMAIL),AlarmEmail=$(ALARM_EMAIL))
# The Python that publishes the UI: the project's, else (CI's deploy jobs) the one their publishing lock went into.
PY = $(if $(wildcard $(BIN)/python),$(BIN)/python,python3)
PARAMETER_OVERRIDES = $(if $(strip $(PARAMETERS)),--parameter-overrides $(strip $(PARAMETERS)))

package: install
	$(BIN)/hobopy package --stage $(STAGE) --out $(DIST)
	$(BIN)/cfn-lint $(DIST)/sam.json

deploy: package
	@$(MAKE) --no-print-directory deploy-artifact

# The package's digest: "SHA-256  ./path" for each of its files, sorted. CI's packaging job publishes it; the
# deploy jobs check with verify-package (SHA256SUMS=<that text>) that they hold exactly those files and no other.
package-sums:
	@cd $(DIST) && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum

verify-package:
	@test -n "$$SHA256SUMS" || { echo "verify-package needs SHA256SUMS, the package's digest (make package-sums)"; exit 2; }
	@cd $(DIST) && printf '%s\n' "$$SHA256SUMS" | sha256sum --check --strict --quiet - \
		&& test "$$(find . -type f | LC_ALL=C sort)" = "$$(printf '%s\n' "$$SHA256SUMS" | cut -c67-)" \
		|| { echo "$(DIST) does not hold exactly the files of the digest: not deploying it"; exit 1; }
	@echo "$(DIST) holds exactly the files of the digest"

# Deploys the package in DIST as `make package` wrote it: the aws CLI creates or updates the stack, then
# devtools/deploy/site.py (boto3) writes the stage's configuration into the UI from the stack's outputs, uploads it,
# removes stale files, invalidates what changed and prints the app's URL last. Nothing is built or installed.
deploy-artifact:
	@test -n "$(BUCKET)" || { echo "make deploy needs BUCKET=<an S3 bucket of yours in the stack's region>"; exit 2; }
	@test -f $(DIST)/sam.json -a -f $(DIST)/deployment.zip -a -f $(DIST)/site/index.html \
		|| { echo "no package in $(DIST): run make package"; exit 2; }
	$(AWS) cloudformation package --template-file $(DIST)/sam.json --s3-bucket $(BUCKET) --s3-prefix $(STACK) \
		--use-json --output-template-file $(DIST)/packaged.json
	$(AWS) cloudformation deploy --template-file $(DIST)/packaged.json --stack-name $(STACK) \
		--capabilities CAPABILITY_IAM --no-fail-on-empty-changeset $(PARAMETER_OVERRIDES)
	@echo "The first user signs up from the UI, or see README.md (Deploy to AWS > Accounts)."
	$(PY) -m devtools.deploy.site publish --stack $(STACK) --stage $(STAGE) --site $(DIST)/site

# The app's URL (the AppURL output of the stack), for CI's smoke check.
app-url:
	@$(STACK_OUTPUT) "Stacks[0].Outputs[?OutputKey=='AppURL'].OutputValue"

# The UI's bucket is emptied first: CloudFormation deletes only an empty bucket. The table and the user pool stay.
destroy: install
	@echo "Keeping table $(call OUTPUT,TodosTableName) and user pool $(call OUTPUT,UserPoolId) (see README: Deploy to AWS)"
	$(PY) -m devtools.deploy.site empty --stack $(STACK)
	$(AWS) cloudformation delete-stack --stack-name $(STACK)
	$(AWS) cloudformation wait stack-delete-complete --stack-name $(STACK)
