"""`huitoukan problems import|add`: problems found by people, from the command line (issue 5)."""

from .cli import problems_app  # noqa: F401  (commands are registered on it)
