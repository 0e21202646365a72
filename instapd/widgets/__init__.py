"""Notebook widgets (the ``widgets`` extra: ``pip install "instapd[widgets]"``).

Each widget is a view over plain functions that work without it: the login panel over the
connection's login, the gallery over :mod:`.gallery_data` and :mod:`.pictures`, the best-time
heatmap over :mod:`.besttime_data`, the inbox over :mod:`.inbox_data` and instapd's writes, the
dashboard over :mod:`.dashboard_data`, the composer over :mod:`instapd.publishing`.

Why these rendering libraries (the evidence is in the project's widgets-ux reference):

* **anywidget for the gallery grid.** One widget holds every tile, so 500 media are one comm
  and one model, not 500 ``Image`` widgets (300+ widgets make VS Code slow; 100 buttons take
  seconds over a network; ipywidgets' maintainers say creating widgets is expensive). anywidget
  is an ``ipywidgets.DOMWidget`` whose code ships inside the Python package (no CDN, no
  extension to install), and is documented for JupyterLab, Notebook 7, VS Code and Colab (the
  base class turns on Colab's custom widget manager itself).
* **ipywidgets for controls** (dropdowns, date pickers, text boxes, buttons): standard,
  keyboard-usable, rendered by every front end that renders widgets at all.
* **matplotlib, drawn to PNG, for charts and the heatmap.** The picture is the same in the live
  widget and in the static view. bqplot is widget-only (no static picture; its ``get_png_data``
  is reported broken), ipympl and plotly's ``FigureWidget`` need a live kernel or Kaleido for a
  static image; none of them adds what a redraw-on-change PNG lacks for daily lines and a 7 x 24
  heatmap.
* **Static view everywhere else.** Every widget's mime bundle also carries ``text/html`` with its
  pictures inline (:mod:`.static`), which nbconvert, nbviewer, GitHub, myst-nb and an untrusted
  JupyterLab show when the widget view cannot render (no saved state, no JavaScript).
"""

from __future__ import annotations

try:
    import ipywidgets  # noqa: F401
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError('instapd\'s widgets need ipywidgets: pip install "instapd[widgets]"') from exc

from .login import LoginPanel

__all__ = ["BestTime", "Composer", "Dashboard", "Gallery", "Inbox", "LoginPanel"]


def __getattr__(name: str) -> object:
    """The toolkit's widgets, imported when first asked for (anywidget and Pillow load then)."""
    modules = {
        "Gallery": ".gallery",
        "BestTime": ".besttime",
        "Inbox": ".inbox",
        "Dashboard": ".dashboard",
        "Composer": ".composer",
    }
    if name not in modules:
        raise AttributeError(f"module 'instapd.widgets' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(modules[name], __name__), name)
