"""Admin pieces shared by the apps' admins."""


class ReadOnlyAdminMixin:
    """Rows that change only through services: viewable, never added, edited or deleted here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
