"""The unread-notice badge of the navigation (base.html), for users who see the problem ledger.

Lazy: the count is read only when a template shows it, in one indexed query (notices.unread_count);
the hourly refresh of deadline notices runs here too (notices.refresh_if_due, at most once an hour
per process), so that deadlines reach people even where no cron runs `problems remind`."""

from django.utils.functional import SimpleLazyObject

from huitoukan.accounts.roles import Capability, can


def notices(request):
    user = getattr(request, "user", None)
    if user is None or not can(user, Capability.VIEW_PROBLEMS):
        return {}

    def count():
        from . import notices as notice_store

        notice_store.refresh_if_due()
        return notice_store.unread_count(user)

    return {"unread_notices": SimpleLazyObject(count)}
