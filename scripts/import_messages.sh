#!/usr/bin/env bash
# Extract and compile the registry import's own message catalog (the app-level
# src/huitoukan/registry/locale), from the import's files only: the rest of the registry app is
# translated in the project-level catalog (make messages).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
app=src/huitoukan/registry
mkdir -p "$work/registry/templates/registry"
cp -r "$app/importing" "$app/views_import.py" "$app/cli.py" "$app/locale" "$work/registry/"
cp "$app"/templates/registry/import_*.html "$work/registry/templates/registry/"
(cd "$work/registry" && HUITOUKAN_TESTING=1 HUITOUKAN_DATA_DIR="$work/var" \
    "$root/.venv/bin/django-admin" makemessages -l zh_Hans --no-obsolete --settings=huitoukan.settings >/dev/null)
cp "$work/registry/locale/zh_Hans/LC_MESSAGES/django.po" "$app/locale/zh_Hans/LC_MESSAGES/django.po"
msgfmt --check -o "$app/locale/zh_Hans/LC_MESSAGES/django.mo" "$app/locale/zh_Hans/LC_MESSAGES/django.po"
po="$app/locale/zh_Hans/LC_MESSAGES/django.po"
echo "untranslated: $(msgattrib --untranslated "$po" | grep -c "^msgid" || true), fuzzy (check these): $(msgattrib --only-fuzzy "$po" | grep -c "^msgid" || true)"
