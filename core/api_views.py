"""The base of our API views (kept apart from ``core.api_throttles``: DRF's settings import the
authentication class while ``rest_framework.views`` is still loading)."""

from rest_framework.views import APIView

from core.sql import prepared


class ApiView(APIView):
    """Our API views' base: throttles are checked right after authentication, before permissions,
    so that requests without credentials (answered 401 by the permission check) are counted too.

    ``prepared_methods``: the methods whose requests are a hot write path (the intake's POSTs),
    run inside ``core.sql.prepared``, their token and rate-limit look-ups included."""

    prepared_methods: tuple[str, ...] = ()

    def dispatch(self, request, *args, **kwargs):
        if request.method not in self.prepared_methods:
            return super().dispatch(request, *args, **kwargs)
        with prepared():
            return super().dispatch(request, *args, **kwargs)

    def initial(self, request, *args, **kwargs):
        self.format_kwarg = self.get_format_suffix(**kwargs)
        neg = self.perform_content_negotiation(request)
        request.accepted_renderer, request.accepted_media_type = neg
        version, scheme = self.determine_version(request, *args, **kwargs)
        request.version, request.versioning_scheme = version, scheme
        self.perform_authentication(request)
        self.check_throttles(request)
        self.check_permissions(request)
