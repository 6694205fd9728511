"""Chinese first: the back office and the front door are in Chinese unless the person picked
English (the switch on the login pages and in the admin sets the language cookie), so an English
browser does not turn a Chinese warehouse's back office into English unasked. A device's
Accept-Language is honoured where the device speaks for its user: the API and the platforms'
webhooks (machines), and the warehouse floor's phone pages (a picker's phone, set to the language
its picker reads)."""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

#: Paths that follow the device's Accept-Language (see the module's docstring).
DEVICE_LANGUAGE_PATHS = ("/api/", "/channels/", "/floor/")


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    def process_request(self, request):
        if request.path_info.startswith(DEVICE_LANGUAGE_PATHS):
            super().process_request(request)
            return
        try:
            language = translation.get_supported_language_variant(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, ""))
        except LookupError:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
