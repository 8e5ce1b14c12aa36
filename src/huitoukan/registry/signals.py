"""Signals the registry sends for other apps to follow (apps depend on the registry, not back)."""

from django.dispatch import Signal

#: Sent once an import's changes are committed (not for a dry run, nor an import that wrote nothing
#: because of errors). Receivers run after the commit, outside its transaction.
registry_imported = Signal()
