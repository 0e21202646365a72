"""Logging in: Facebook Login flows, the token store, the callback listener, token choice."""
