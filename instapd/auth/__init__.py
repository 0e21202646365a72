"""Logging in: Facebook Login and Instagram Login (one module each over :mod:`.oauth`, picked
in :mod:`.flows`), the token store, the callback listener, and which token a connection uses."""

__all__: list[str] = []  # import the modules: flows, facebook, instagram, oauth, store, ...
