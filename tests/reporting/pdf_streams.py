"""The PDF's compressed streams, for tests that look inside its objects (the catalogue sits in
a compressed object stream)."""

import re
import zlib


def flate_streams(pdf: bytes) -> list[bytes]:
    """Every Flate-compressed stream of `pdf`, decompressed. Each is read from its start until
    zlib says it ended, not up to the next "endstream": compressed bytes can hold that too."""
    found = []
    for start in (m.end() for m in re.finditer(rb">>\s*stream\r?\n", pdf)):
        if pdf[start:start + 1] != b"x":  # not zlib (an image, an uncompressed stream)
            continue
        reader = zlib.decompressobj()
        try:
            data = reader.decompress(pdf[start:])
        except zlib.error:  # "stream" inside another stream's bytes
            continue
        if reader.eof:
            found.append(data)
    return found
