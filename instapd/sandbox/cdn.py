"""The sandbox's CDN: real, distinct JPEGs at loopback URLs, signed and expiring as Meta's are.

The dataset stores a media's picture as ``https://cdn.sandbox.invalid/<name>``; when a node is
rendered, :meth:`Cdn.link` turns that into ``<root>/cdn/<name>?oe=<hex expiry>&oh=<signature>``
on the sandbox itself. As on Meta's CDN, links are handed out in fixed windows (asking again
within the hour gives the same link) and expire ``LIFETIME`` after their window starts;
an expired or tampered link is answered ``403`` ("URL signature expired", "Bad URL hash"), so a
client's refresh path (read ``media_url`` again) is exercised for real.

Pictures are drawn from the seed and the name (a colour, a shape and the media id's last digits),
small (``SIZE`` square), and kept once drawn. Drawing needs Pillow, imported on the first
picture asked for: the ``widgets`` extra installs it. Without it the CDN answers 503 and says so.

Beside the CDN, ``/samples/`` serves pictures a user may publish (Meta fetches ``image_url``
from any public URL; the sandbox has no internet, so these stand for one):
``/samples/picture-<n>.jpg`` is a 1080 px square JPEG, ``picture-<n>-<w>x<h>.jpg`` (or
``.png``) one of that size and format, unsigned and never expiring, as a web server's are.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import io
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

STORED_ROOT = "https://cdn.sandbox.invalid/"
PATH_ROOT = "cdn"
SAMPLES_ROOT = "samples"
SAMPLE_SIZE = 1080
#: ``picture-<n>[-<w>x<h>].<jpg|png>``: a sample picture's name.
SAMPLE_NAME = re.compile(r"picture-(\d{1,6})(?:-(\d{2,4})x(\d{2,4}))?\.(jpg|png)")
#: What Meta's links live: reports range from 4 days to a week (widgets-ux.md §5).
LIFETIME = timedelta(days=4)
#: Links asked for within one window are the same link.
WINDOW = timedelta(hours=1)
_WINDOW_SECONDS = WINDOW.total_seconds()
_LIFETIME_SECONDS = int(LIFETIME.total_seconds())
SIZE = 320
NEEDS = b'pip install "instapd[widgets]"'
#: The fields whose values are CDN links.
CDN_FIELDS = ("media_url", "thumbnail_url", "profile_picture_url")


class Cdn:
    """Signs links to pictures and serves them; ``now`` is the sandbox's clock."""

    def __init__(
        self, seed: int = 0, now: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self.seed = seed
        self.now = now
        self._key = hashlib.sha256(f"instapd-sandbox-cdn:{seed}".encode()).digest()
        self._keyed = hmac.new(self._key, digestmod=hashlib.sha256)  # copied for each link
        self.served = 0  # pictures answered with 200
        self.refused = 0  # links answered 403 (expired or tampered)

    def window(self) -> int:
        """The number of the current signing window (answers kept for a window only)."""
        return int(self.now().timestamp() // _WINDOW_SECONDS)

    def expiry(self) -> int:
        """The ``oe`` (Unix seconds) of links handed out now."""
        return self.window() * int(_WINDOW_SECONDS) + _LIFETIME_SECONDS

    def link(self, root: str, stored: Any, expires: int | None = None) -> Any:
        """The signed loopback URL for a stored CDN value; anything else is returned as is.
        ``expires``: :meth:`expiry`, when the caller signs several links at once."""
        if not isinstance(stored, str) or not stored.startswith(STORED_ROOT):
            return stored
        name = stored[len(STORED_ROOT) :]
        if expires is None:
            expires = self.expiry()
        return f"{root}/{PATH_ROOT}/{name}?oe={expires:08X}&oh={self._sign(name, expires)}"

    def _sign(self, name: str, expires: int) -> str:
        keyed = self._keyed.copy()  # the key's pads are worked out once
        keyed.update(f"{name}:{expires:08X}".encode())
        return keyed.hexdigest()[:32]

    def answer(self, name: str, params: dict[str, str]) -> tuple[int, str, bytes]:
        """Status, content type and body for ``GET /cdn/<name>?oe=..&oh=..``."""
        try:
            expires = int(params.get("oe", ""), 16)
        except ValueError:
            return self._refuse("Bad URL date param")
        if not hmac.compare_digest(params.get("oh", ""), self._sign(name, expires)):
            return self._refuse("Bad URL hash")
        if self.now().timestamp() >= expires:
            return self._refuse("URL signature expired")
        if not name.endswith(".jpg"):
            return 404, "text/plain", b"The sandbox serves pictures only, not video bytes."
        try:
            body = picture(self.seed, name)
        except ImportError:
            return (
                503,
                "text/plain",
                b'The sandbox draws pictures with Pillow: pip install "instapd[widgets]"',
            )
        self.served += 1
        return 200, "image/jpeg", body

    def _refuse(self, reason: str) -> tuple[int, str, bytes]:
        self.refused += 1
        return 403, "text/plain", reason.encode()


def sample_answer(seed: int, name: str) -> tuple[int, str, bytes]:
    """Status, content type and body for ``GET /samples/<name>`` (see the module's docstring)."""
    match = SAMPLE_NAME.fullmatch(name)
    if match is None:
        return 404, "text/plain", b"No such sample: picture-<n>.jpg or picture-<n>-<w>x<h>.png"
    number, width, height, suffix = match.groups()
    size = (int(width), int(height)) if width else (SAMPLE_SIZE, SAMPLE_SIZE)
    try:
        body = sample(seed, int(number), size, "PNG" if suffix == "png" else "JPEG")
    except ImportError:
        return 503, "text/plain", NEEDS
    return 200, f"image/{'png' if suffix == 'png' else 'jpeg'}", body


@functools.lru_cache(maxsize=64)
def sample(seed: int, number: int, size: tuple[int, int], kind: str = "JPEG") -> bytes:
    """Sample picture ``number``: the CDN's drawing for it, scaled to ``size``, as ``kind``."""
    from PIL import Image

    drawn = Image.open(io.BytesIO(picture(seed, f"sample{number:06d}.jpg")))
    out = io.BytesIO()
    drawn.resize(size).save(out, kind, quality=85)
    return out.getvalue()


@functools.lru_cache(maxsize=4096)
def picture(seed: int, name: str) -> bytes:
    """A small JPEG for ``name``, the same for the same seed and name, different otherwise."""
    from PIL import Image, ImageDraw, ImageFont

    digest = hashlib.sha256(f"{seed}:{name}".encode()).digest()
    hue = digest[0] / 255
    back = _hsv(hue, 0.55, 0.92)
    front = _hsv((hue + 0.5) % 1.0, 0.75, 0.55)
    image = Image.new("RGB", (SIZE, SIZE), back)
    draw = ImageDraw.Draw(image)
    for band in range(0, SIZE, 16):  # a soft gradient, so the JPEG is not flat
        draw.rectangle((0, band, SIZE, band + 16), fill=_hsv(hue, 0.55, 0.95 - 0.3 * band / SIZE))
    box = 60 + digest[1] % 60
    x, y = 40 + digest[2] % 120, 40 + digest[3] % 120
    shape = digest[4] % 3
    if shape == 0:
        draw.ellipse((x, y, x + box, y + box), fill=front)
    elif shape == 1:
        draw.rectangle((x, y, x + box, y + box), fill=front)
    else:
        draw.polygon([(x + box // 2, y), (x + box, y + box), (x, y + box)], fill=front)
    stem = name.split(".")[0]
    if stem.endswith("_thumb"):  # a video's thumbnail: a play sign, as a cover frame has
        c = SIZE // 2
        draw.polygon([(c - 22, c - 28), (c - 22, c + 28), (c + 30, c)], fill="white")
    font = ImageFont.load_default(size=40)  # top left: viewers put badges top right
    draw.text((14, 30), stem.removesuffix("_thumb")[-6:], fill="white", font=font, anchor="lm",
              stroke_width=3, stroke_fill="black")  # fmt: skip
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def _hsv(hue: float, saturation: float, value: float) -> tuple[int, int, int]:
    import colorsys

    r, g, b = colorsys.hsv_to_rgb(hue, saturation, value)
    return round(r * 255), round(g * 255), round(b * 255)
