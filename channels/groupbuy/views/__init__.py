"""The leaders' phone pages (``/leader/``) and the household's own page (``/gb/``)."""
