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
	# The project's one catalogue, and any app's own should one ever be added.
	for po in $$(find src/huitoukan -path '*/locale/zh_Hans/LC_MESSAGES/django.po'); do \
		msgattrib --untranslated $$po | grep -A1 '^msgid' | grep -v '^msgid ""' || true; \
		msgattrib --only-fuzzy $$po | grep -A1 '^msgid' || true; \
		msgfmt --check -o $${po%.po}.mo $$po || exit 1; \
	done

bench:
	.venv/bin/python benchmarks/import_registry.py
	.venv/bin/python benchmarks/lookback.py
