# The two commands a new machine needs (see README): `make demo` and `make test`.
.PHONY: demo test lint bench messages

demo:
	scripts/bootstrap.sh
	.venv/bin/huitoukan demo

test:
	scripts/test.sh

lint:
	.venv/bin/ruff check src tests benchmarks

messages:
	cd src/huitoukan && ../../.venv/bin/django-admin makemessages -l zh_Hans --settings=huitoukan.settings && ../../.venv/bin/django-admin compilemessages --settings=huitoukan.settings

bench:
	.venv/bin/python benchmarks/import_registry.py
