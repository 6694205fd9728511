"""Helpers every app uses and that know no business: the API error format, the admin paginator
and read-only mixin, bulk inserts and statement batching, masking. Depends on nothing of ours."""
