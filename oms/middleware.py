"""Chinese first: pages are in Chinese unless the person picked English (the switch on the login
page and in the admin sets the language cookie). A browser's Accept-Language is honoured only
where a machine is the client — the API and the platforms' webhooks — so an English browser
does not turn a Chinese warehouse's back office into English unasked."""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

#: Paths whose clients are programs: their error messages follow Accept-Language.
MACHINE_PATHS = ("/api/", "/channels/")


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    def process_request(self, request):
        if request.path_info.startswith(MACHINE_PATHS):
            super().process_request(request)
            return
        try:
            language = translation.get_supported_language_variant(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, ""))
        except LookupError:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
