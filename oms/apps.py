from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OmsConfig(AppConfig):
    name = "oms"
    verbose_name = _("系统")

    def ready(self):
        from django.contrib import admin

        from oms.forms import BackOfficeAuthenticationForm

        # A picker or leader who tries the back office is told where to go instead.
        admin.site.login_form = BackOfficeAuthenticationForm
