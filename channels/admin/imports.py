"""Order imports in admin: upload → preview → import (in the background) → progress and counts.

Uploading and starting an import need ``channels.add_importjob``; looking at jobs and their
progress needs ``channels.view_importjob``. Every page is checked on the server.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from channels.imports import FileUnreadable, format_label
from channels.imports.template import template_csv, template_xlsx
from channels.models import Channel, ImportJob, ImportStatus
from channels.selectors import import_job_orders
from channels.services.imports import import_check, import_create, import_start
from core.uploads import size_refusal

#: Files up to this size (both together) are previewed in the upload request; bigger ones in the
#: background, so that no request waits on a 100,000-row file.
INLINE_PREVIEW_BYTES = 2 * 1024 * 1024


def _size(data: dict) -> int:
    return sum(f.size for f in (data.get("file"), data.get("extra_file")) if f)


class UploadForm(forms.Form):
    """``refused_uploads`` (field → file name): files the upload handler dropped for their size
    (``core.uploads.SizeLimitUploadHandler``); the form says so instead of "required"."""

    channel = forms.ModelChoiceField(
        label=gettext_lazy("渠道"),
        queryset=Channel.objects.filter(active=True),
        # No shop is chosen for the person: importing into the wrong shop is hard to undo.
        empty_label=gettext_lazy("请选择渠道"),
    )
    file = forms.FileField(
        label=gettext_lazy("订单导出文件"), help_text=gettext_lazy("CSV（UTF-8 或 GBK）或 XLSX")
    )
    extra_file = forms.FileField(
        label=gettext_lazy("宝贝报表"),
        required=False,
        help_text=gettext_lazy("仅淘宝/天猫：订单报表和宝贝报表一起上传"),
    )

    def __init__(self, *args, refused_uploads=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.refused_uploads = refused_uploads or {}
        for name, file_name in self.refused_uploads.items():
            if name in self.fields:
                self.fields[name].error_messages["required"] = size_refusal(file_name)

    def clean(self):
        data = super().clean()
        if self.refused_uploads.get("extra_file"):
            raise forms.ValidationError(size_refusal(self.refused_uploads["extra_file"]))
        if data.get("channel") and data.get("file"):
            try:
                import_check(channel=data["channel"], file=data["file"], extra_file=data.get("extra_file"))
            except FileUnreadable as exc:
                raise forms.ValidationError(str(exc)) from exc
        return data


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "original_name",
        "channel",
        "export_format",
        "status",
        "new_orders",
        "duplicate_orders",
        "invalid_orders",
        "skipped_orders",
        "created_by",
        "created_at",
    )
    list_filter = ("status", "channel")
    list_select_related = ("channel", "created_by")
    search_fields = ("original_name",)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        view = self.admin_site.admin_view
        own = [
            path(
                "template.csv",
                view(self.template_view),
                {"kind": "csv"},
                name="channels_importjob_template_csv",
            ),
            path(
                "template.xlsx",
                view(self.template_view),
                {"kind": "xlsx"},
                name="channels_importjob_template_xlsx",
            ),
            path("<int:job_id>/start/", view(self.start_view), name="channels_importjob_start"),
            path("<int:job_id>/status/", view(self.status_view), name="channels_importjob_status"),
        ]
        return own + super().get_urls()

    def _context(self, request, title: str) -> dict:
        request.current_app = self.admin_site.name
        return {**self.admin_site.each_context(request), "title": title, "opts": self.opts}

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = UploadForm(
            request.POST or None, request.FILES or None, refused_uploads=getattr(request, "refused_uploads", None)
        )
        if request.method == "POST" and form.is_valid():
            try:
                job = import_create(
                    channel=form.cleaned_data["channel"],
                    file=form.cleaned_data["file"],
                    extra_file=form.cleaned_data.get("extra_file"),
                    user=request.user,
                    preview_now=_size(form.cleaned_data) <= INLINE_PREVIEW_BYTES,
                )
            except FileUnreadable as exc:
                form.add_error(None, str(exc))
            else:
                return HttpResponseRedirect(self._job_url(job))
        context = {**self._context(request, _("上传订单导出")), "form": form}
        return TemplateResponse(request, "admin/channels/importjob/upload.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        job = self._job(request, object_id)
        context = {
            **self._context(request, _("订单导入 #%(id)s") % {"id": job.pk}),
            "job": job,
            "format_label": format_label(job.export_format),
            "may_start": self.has_add_permission(request),
            "running": job.status in (ImportStatus.UPLOADED, ImportStatus.QUEUED, ImportStatus.RUNNING),
            "status_url": reverse("admin:channels_importjob_status", args=[job.pk]),
            "start_url": reverse("admin:channels_importjob_start", args=[job.pk]),
            "taken_in": import_job_orders(job) if job.status in (ImportStatus.DONE, ImportStatus.FAILED) else None,
        }
        return TemplateResponse(request, "admin/channels/importjob/job.html", context)

    def start_view(self, request, job_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_add_permission(request):
            raise PermissionDenied
        job = self._job(request, job_id)
        started = import_start(job)
        if started.status != ImportStatus.QUEUED:
            messages.error(request, _("这个导入已经开始或已完成"))
        return HttpResponseRedirect(self._job_url(job))

    def status_view(self, request, job_id):
        job = self._job(request, job_id)
        return JsonResponse(
            {
                "status": job.status,
                "status_label": job.get_status_display(),
                "percent": job.percent,
                "done_rows": job.done_rows,
                "total_rows": job.total_rows,
                "new_orders": job.new_orders,
                "duplicate_orders": job.duplicate_orders,
                "invalid_orders": job.invalid_orders,
                "skipped_orders": job.skipped_orders,
                "error": job.error,
            }
        )

    def template_view(self, request, kind: str):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        if kind == "xlsx":
            content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            response = HttpResponse(template_xlsx(), content_type=content_type)
        else:
            response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="oms-import-template.{kind}"'
        return response

    def _job(self, request, object_id) -> ImportJob:
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        if not str(object_id).isdigit():
            raise Http404
        return get_object_or_404(ImportJob.objects.select_related("channel", "created_by"), pk=object_id)

    def _job_url(self, job: ImportJob) -> str:
        return reverse("admin:channels_importjob_change", args=[job.pk], current_app=self.admin_site.name)
