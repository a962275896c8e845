"""Answers gzipped for the clients that accept it, as CloudFront (the UI) and API Gateway (the API) do when deployed.

A body of a compressible type and at least the server's minimum size goes gzipped when the request's
``Accept-Encoding`` takes gzip, with ``Content-Encoding: gzip``; such an answer also carries
``Vary: Accept-Encoding``, since another client may get it plain. Anything else goes as it is.
"""

import gzip
from collections.abc import Sequence

# CloudFront compresses files from 1,000 bytes on; the API's minimum is the stage's minimum_compression_size.
CLOUDFRONT_MINIMUM = 1000
# zlib's usual level: nearly the smallest output at a fraction of level 9's time.
LEVEL = 6
COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml")

Headers = list[tuple[str, str]]


def accepts_gzip(accept_encoding: str | None) -> bool:
    """Whether an ``Accept-Encoding`` value takes gzip: named (or as x-gzip) or through ``*``, with a q above 0."""
    named: dict[str, float] = {}
    for part in (accept_encoding or "").split(","):
        coding, _, parameters = part.partition(";")
        quality = 1.0
        for parameter in parameters.split(";"):
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value.strip())
                except ValueError:
                    quality = 0.0
        named[coding.strip().lower()] = quality
    for coding in ("gzip", "x-gzip", "*"):
        if coding in named:
            return named[coding] > 0
    return False


def header(headers: Sequence[tuple[str, str]], wanted: str) -> str | None:
    """The first value of the header ``wanted`` (any case), or None."""
    return next((value for name, value in headers if name.lower() == wanted.lower()), None)


def negotiate(
    headers: Sequence[tuple[str, str]], body: bytes, accept_encoding: str | None, minimum: int
) -> tuple[Headers, bytes]:
    """The headers and body to send for ``headers`` and ``body`` to a client that sent ``accept_encoding``.

    ``minimum``: the smallest body worth compressing, in bytes.
    """
    sent = list(headers)
    kind = (header(sent, "Content-Type") or "").lower()
    if len(body) < minimum or header(sent, "Content-Encoding") is not None or not kind.startswith(COMPRESSIBLE):
        return sent, body
    vary = header(sent, "Vary")
    if vary is None:
        sent.append(("Vary", "Accept-Encoding"))
    elif "accept-encoding" not in vary.lower():
        sent = [(name, f"{value}, Accept-Encoding" if name.lower() == "vary" else value) for name, value in sent]
    if not accepts_gzip(accept_encoding):
        return sent, body
    # mtime 0: the same body always compresses to the same bytes.
    return [*sent, ("Content-Encoding", "gzip")], gzip.compress(body, compresslevel=LEVEL, mtime=0)
