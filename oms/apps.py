from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OmsConfig(AppConfig):
    name = "oms"
    verbose_name = _("系统")

    def ready(self):
        from django.contrib import admin
        from django_q.signals import post_spawn

        from core.sql import keep_statement_parsing
        from oms.forms import BackOfficeAuthenticationForm
        from oms.worker import lower_priority

        keep_statement_parsing()

        post_spawn.connect(lower_priority, dispatch_uid="oms.worker.lower_priority")

        # A picker or leader who tries the back office is told where to go instead.
        admin.site.login_form = BackOfficeAuthenticationForm
