# The two commands of README.md. Both set everything up first (scripts/setup.sh is idempotent).
.PHONY: setup demo test lint bench

setup:
	./scripts/setup.sh

demo: setup
	.venv/bin/portalcheck demo

test: setup
	.venv/bin/ruff check .
	.venv/bin/lint-imports --no-logo
	.venv/bin/pytest -q

lint: setup
	.venv/bin/ruff check .
	.venv/bin/lint-imports --no-logo

bench: setup
	.venv/bin/python -m bench.crawl
