"""How the sandbox downloads a container's ``image_url``/``video_url``, as Meta does.

Meta cURLs the media URL when the container is made (graph-api.md 8.1: "media URLs must be
public"), and refuses what it cannot download (9004/2207052) or cannot take: an image that is
not a JPEG (36001/2207005), over 8 MB (36000/2207004) or outside the 4:5 to 1.91:1 aspect
ratios (36003/2207009). Meta documents no scheme rule, so ``http`` and ``https`` both work.

- A URL on the sandbox itself (its ``/samples/`` pictures, its CDN) is answered by the sandbox's
  own picture routes, in process (the same bytes a browser gets; no request of its own).
- A URL on a name reserved for examples (RFC 2606: ``example.com``/``.org``/``.net``,
  ``*.example``, ``*.invalid``, ``*.test``) can exist nowhere, so the sandbox pretends from the
  path instead (:meth:`~.publishing.PublishRoutes._pretend`), as tests and docs expect.
- Any other URL is downloaded for real (``urllib``, 10 s, at most 8 MB + 1 byte read): on a
  machine without internet it fails as Meta would fail on a private URL.
"""

from __future__ import annotations

import io
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from .failures import GraphFailure

MAX_IMAGE_BYTES = 8 * 1024 * 1024
TIMEOUT = 10.0
#: Aspect ratios (width / height) Meta takes for a feed image: 4:5 to 1.91:1.
ASPECT = (4 / 5, 1.91)
RESERVED = ("example.com", "example.org", "example.net")
RESERVED_SUFFIXES = (".example", ".invalid", ".test")
#: The sandbox's own picture routes: path and query in, (status, type, body) or None out.
Local = Callable[[str, dict[str, str]], "tuple[int, str, bytes] | None"]


@dataclass(frozen=True)
class Fetched:
    status: int
    content_type: str
    body: bytes


def not_fetchable() -> GraphFailure:
    """Meta's refusal of a URL it could not download."""
    return _fail(9004, 2207052, "The media could not be fetched from this URI.")


def is_reserved(url: str) -> bool:
    """Whether ``url``'s host is a name reserved for examples (it exists nowhere)."""
    host = (urlsplit(url).hostname or "").lower()
    return host in RESERVED or host.endswith(RESERVED) or host.endswith(RESERVED_SUFFIXES)


def fetch(url: str, root: str, local: Local) -> Fetched:
    """Download ``url`` (the sandbox's own URLs in process), or :func:`not_fetchable`."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise not_fetchable()
    own = urlsplit(root)
    if (parts.scheme, parts.netloc) == (own.scheme, own.netloc):
        answer = local(parts.path, dict(parse_qsl(parts.query)))
        if answer is None:
            raise not_fetchable()
        return Fetched(*answer)
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
            body = response.read(MAX_IMAGE_BYTES + 1)
            return Fetched(response.status, response.headers.get_content_type(), body)
    except urllib.error.HTTPError as error:
        return Fetched(error.code, "text/plain", b"")
    except (OSError, ValueError):
        raise not_fetchable() from None


def check_image(url: str, fetched: Fetched) -> None:
    """Refuse, as Meta does, an image it could not download or cannot take."""
    if fetched.status != 200:
        raise not_fetchable()
    if len(fetched.body) > MAX_IMAGE_BYTES:
        raise _fail(36000, 2207004, "The image is too large to download (over 8 MB).")
    if not fetched.body.startswith(b"\xff\xd8\xff"):  # every JPEG starts so
        raise _fail(36001, 2207005, "The image format is not supported.")
    size = _size(fetched.body)
    if size is not None and not ASPECT[0] <= size[0] / size[1] <= ASPECT[1]:
        raise _fail(36003, 2207009, "The aspect ratio is not supported.")


def check_video(url: str, fetched: Fetched) -> None:
    """A video is taken if it downloads (the sandbox does not decode video)."""
    if fetched.status != 200 or not fetched.body:
        raise not_fetchable()


def _size(body: bytes) -> tuple[int, int] | None:
    try:
        from PIL import Image, UnidentifiedImageError
    except ImportError:  # the sandbox draws with Pillow; without it, no aspect check
        return None
    try:
        width, height = Image.open(io.BytesIO(body)).size
    except (UnidentifiedImageError, OSError):
        raise _fail(36001, 2207005, "The image format is not supported.") from None
    return (width, height) if height else None


def _fail(code: int, subcode: int, message: str) -> GraphFailure:
    return GraphFailure(code, message, subcode=subcode, status=400, type_="OAuthException")
