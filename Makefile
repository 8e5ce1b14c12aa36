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
	cd src/huitoukan && ../../.venv/bin/django-admin makemessages -l zh_Hans --no-obsolete --settings=huitoukan.settings
	msgattrib --untranslated --only-fuzzy src/huitoukan/locale/zh_Hans/LC_MESSAGES/django.po | grep -A1 '^msgid' || true
	msgfmt --check -o src/huitoukan/locale/zh_Hans/LC_MESSAGES/django.mo src/huitoukan/locale/zh_Hans/LC_MESSAGES/django.po

bench:
	.venv/bin/python benchmarks/import_registry.py
	.venv/bin/python benchmarks/lookback.py
