"""Pseudonyms: keyed hashes that stand for an ID number where a key must be shown to every role.

An ID number cannot be a key shown to people who may see it only masked, and neither can its plain
hash: an 18-character number is a county prefix, a birth date and three digits, so a plain SHA-256
is reversed by trying tens of millions of numbers — seconds. An HMAC under the installation's
pseudonym key (settings.PSEUDONYM_KEY, generated once, never rotated: the ledger's resident
problems and the early warning's dispatched signals are identified by these hashes) cannot be.

    key() -> bytes                 the key, for callers that hash themselves (the Django-free engine)
    pseudonym(text, purpose) -> str    hex HMAC-SHA256 of `text`, separated by purpose
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings


def key() -> bytes:
    return settings.PSEUDONYM_KEY.encode()


def pseudonym(text: str, purpose: str) -> str:
    """Different purposes give unrelated hashes of the same text."""
    return hmac.new(key(), f"{purpose}\n{text}".encode(), hashlib.sha256).hexdigest()
