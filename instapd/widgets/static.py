"""Static views: every widget's mime bundle also carries ``text/html`` with its pictures inline.

A saved notebook, the docs site, nbviewer and GitHub run no widget code; they show the
``text/html`` of the bundle instead (JupyterLab does too for an untrusted notebook). Widgets fill
in late (pictures and charts arrive from background threads), so a displayed widget keeps its
display id and :meth:`StaticView.republish` replaces the stored output with the finished view.

The HTML keeps to what JupyterLab's sanitizer and GitHub allow: no ``<style>`` or script, inline
``style`` with plain properties only (display, width, height, margin, padding, border), ``img``
with a data URI, ``width``, ``height`` and ``alt``.
"""

from __future__ import annotations

import base64
import html
import io
import re
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure


class StaticView:
    """Mixin for an ipywidgets widget: ``static_html()`` joins its bundle as ``text/html``.

    Constructors do no I/O (design.md): a widget's reads begin when it is first shown (its
    mime bundle is asked for), or on :meth:`start`, ``refresh()`` or ``wait()``, never in
    ``__init__``. A widget puts its reads in :meth:`begin`.
    """

    def static_html(self) -> str:  # pragma: no cover - every widget overrides it
        raise NotImplementedError

    def begin(self) -> None:
        """Start the widget's reads (in the background); called once, by :meth:`start`."""

    @property
    def started(self) -> bool:
        """Whether the reads have begun (the widget was shown, started or waited for)."""
        return bool(self.__dict__.get("_begun"))

    def start(self) -> None:
        """Begin reading now, if nothing has yet (showing the widget does this)."""
        with _lock:
            if self.__dict__.get("_begun"):
                return
            self.__dict__["_begun"] = True
        self.begin()

    def wait_for(
        self, what: str, timeout: float | None, *events: threading.Event, raises: bool = False
    ) -> None:
        """Start the reads if nothing has yet and wait for every event; after ``timeout``
        seconds, ``TimeoutError`` saying ``what`` (as in "BestTime was not read"). With
        ``raises``, the error the reads failed with (``self.error``) is raised too."""
        self.start()
        if not all(event.wait(timeout) for event in events):
            raise TimeoutError(f"{what} after {timeout} s.")
        error = getattr(self, "error", None) if raises else None
        if error is not None:
            raise error

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        self.start()
        bundle = super()._repr_mimebundle_(**kwargs)  # type: ignore[misc]
        data, metadata = bundle if isinstance(bundle, tuple) else (bundle, {})
        data = dict(data or {})
        data["text/html"] = self.static_html()
        return (data, metadata) if metadata else data

    def _ipython_display_(self) -> None:
        from IPython.display import display

        handle = display(self._bundle_data(), raw=True, display_id=True)  # type: ignore[no-untyped-call]
        with _lock:
            handles = self.__dict__.setdefault("_static_handles", [])
            handles.append(handle)

    def _bundle_data(self) -> dict[str, Any]:
        bundle = self._repr_mimebundle_()
        return dict(bundle[0] if isinstance(bundle, tuple) else bundle)

    def republish(self) -> None:
        """Replace what every display of this widget stored with the current static view."""
        with _lock:
            handles = list(self.__dict__.get("_static_handles", []))
        if handles:
            data = self._bundle_data()
            for handle in handles:
                handle.update(data, raw=True)


_lock = threading.Lock()


def figure_png(figure: Figure, dpi: int = 100) -> bytes:
    """A matplotlib figure (made with ``Figure()``, not pyplot: nothing is kept) as PNG bytes."""
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=dpi, bbox_inches="tight")
    return out.getvalue()


#: Characters per line of an inline picture's base64 (MIME's 76).
LINE = 76
#: How a Meta access token begins; an inline picture's base64 breaks its line after it.
_TOKEN_START = re.compile("EAA", re.IGNORECASE)


def wrapped_base64(body: bytes) -> str:
    """``body`` in base64 broken into lines of ``LINE`` characters, and after each ``EAA``.

    Base64 decoders and browsers (the URL parser strips them) drop the line breaks; but no run
    of letters and digits is longer than a line, so a secret scanner never takes a picture for a
    Meta access token (``EAA`` and a hundred or more letters and digits, which an unbroken
    base64 picture holds now and then). A line also ends after each ``EAA``, as scanners with
    shorter rules flag every JPEG's Huffman tables (``EAAgECBAQ...``) otherwise."""
    text = base64.b64encode(body).decode("ascii")
    parts = _TOKEN_START.sub(lambda found: found.group(0) + "\n", text).split("\n")
    return "\n".join(part[i : i + LINE] for part in parts for i in range(0, len(part), LINE))


def data_uri(mime: str, body: bytes) -> str:
    """``body`` as a ``data:`` URI, its base64 broken into lines (:func:`wrapped_base64`)."""
    return f"data:{mime};base64," + wrapped_base64(body)


def png_img(png: bytes, alt: str, width: int | None = None) -> str:
    """An ``<img>`` with ``png`` inline (a data URI), sized for the page."""
    src = data_uri("image/png", png)
    size = f' width="{width}"' if width else ""
    return f'<img src="{src}" alt="{html.escape(alt)}"{size} style="max-width:100%">'


def box(content: str, title: str) -> str:
    """A bordered block with a title, as every static view has."""
    return (
        '<div style="border:1px solid #ccc;border-radius:6px;padding:8px;max-width:100%">'
        f"<div><b>{html.escape(title)}</b></div>{content}</div>"
    )
