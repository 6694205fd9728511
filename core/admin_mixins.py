"""Admin pieces shared by the apps' admins."""

from core.admin_paginator import IndexedOrderingChangeList


class ReadOnlyAdminMixin:
    """Rows that change only through services: viewable, never added, edited or deleted here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


#: What a declared field filter adds to its field path in the query string: Django's own filters
#: use ``status__exact``, ``channel__id__exact``, ``created_at__gte``/``__lt``, ``…__isnull``,
#: ``…__isempty``, or the bare path (all-values filters).
FILTER_SUFFIXES = frozenset({"", "exact", "isnull", "isempty", "gte", "lt", "id__exact", "pk__exact"})


class DeclaredFiltersOnlyMixin:
    """A changelist that filters only by the admin's own ``list_filter`` and searches only through
    its search box.

    Django admin accepts a lookup on any local field in the query string (``?phone__startswith=166``,
    ``?street__regex=…``, ``?body__contains=…``), so a masked value could be read back one guess at
    a time. Here a query parameter that is not one of the declared filters' is dropped before the
    list is built (the page shows what it would without it), and ``lookup_allowed`` refuses it in
    case anything else asks. Declared filters are never on personal data.
    """

    def lookup_allowed(self, lookup, value, request=None):
        return lookup in declared_filter_params(self, request)

    def get_changelist(self, request, **kwargs):
        return DeclaredFiltersChangeList


def declared_filter_params(model_admin, request) -> "_DeclaredParams":
    """The query parameters that ``model_admin``'s list filters read."""
    names, paths = set(), set()
    for item in model_admin.get_list_filter(request):
        if isinstance(item, (tuple, list)):
            item = item[0]
        if isinstance(item, str):
            paths.add(item)
        elif isinstance(item, type) and getattr(item, "parameter_name", None):
            names.add(item.parameter_name)
    return _DeclaredParams(names, paths)


class _DeclaredParams:
    def __init__(self, names: set[str], paths: set[str]):
        self.names = names
        self.paths = paths

    def __contains__(self, lookup: str) -> bool:
        if lookup in self.names:
            return True
        return any(
            lookup == path or (lookup.startswith(path + "__") and lookup[len(path) + 2 :] in FILTER_SUFFIXES)
            for path in self.paths
        )


class DeclaredFiltersChangeList(IndexedOrderingChangeList):
    """Drops every filter parameter that no declared filter reads (see ``DeclaredFiltersOnlyMixin``)."""

    def __init__(self, request, *args, **kwargs):
        self._request = request
        super().__init__(request, *args, **kwargs)

    def get_filters_params(self, params=None):
        lookup_params = super().get_filters_params(params)
        allowed = declared_filter_params(self.model_admin, self._request)
        return {key: value for key, value in lookup_params.items() if key in allowed}
