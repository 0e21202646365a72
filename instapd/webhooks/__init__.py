"""Keep what Meta only tells as it happens: the webhook receiver and the app's subscriptions.

:class:`WebhookReceiver` is the WSGI app (``python -m instapd webhooks serve`` runs it);
:func:`subscribe` points the app's webhooks at it and :func:`status` lists what is subscribed.
Received changes land in the snapshot dataset: ``instapd.history("WebhookEvents")``.
"""

from .receiver import MAX_BODY, WebhookReceiver
from .serve import Server, serve, start_server
from .signature import sign, signed_delivery
from .subscriptions import status, subscribe

__all__ = [
    "MAX_BODY",
    "Server",
    "WebhookReceiver",
    "serve",
    "sign",
    "signed_delivery",
    "start_server",
    "status",
    "subscribe",
]
