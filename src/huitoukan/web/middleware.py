from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    """Pages speak the installation's language (zh-hans) whatever the browser's Accept-Language
    says: county offices often run browsers set to English, and staff expect Chinese. A user who
    picks another language (the language cookie, set through /i18n/setlang/) gets it; API clients
    negotiate with Accept-Language as HTTP intends."""

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if request.path.startswith("/api/") or (chosen and translation.check_for_language(chosen)):
            return super().process_request(request)
        translation.activate(settings.LANGUAGE_CODE)
        request.LANGUAGE_CODE = translation.get_language()
