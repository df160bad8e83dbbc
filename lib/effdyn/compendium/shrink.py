"""Keeping stored notebooks small: palette-compressed PNG figures and clipped long text outputs."""

from __future__ import annotations

import base64
import io
from pathlib import Path

MAX_TEXT_CHARS = 20_000


def compress_png(data: bytes) -> bytes:
    """Re-encode a PNG with an adaptive 256-colour palette when that makes it smaller."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        rgba = image.convert("RGBA")
        quantized = rgba.quantize(colors=256, method=Image.Quantize.FASTOCTREE)
        buffer = io.BytesIO()
        quantized.save(buffer, format="PNG", optimize=True)
    smaller = buffer.getvalue()
    return smaller if len(smaller) < len(data) else data


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    half = limit // 2
    cut = len(text) - 2 * half
    marker = f"\n... [{cut} characters clipped from the stored notebook] ...\n"
    return text[:half] + marker + text[-half:]


def shrink_notebook(path: Path, max_text: int = MAX_TEXT_CHARS) -> tuple[int, int]:
    """Compress figures and clip long text outputs of a notebook in place.

    Returns
    -------
    (int, int)
        The file size in bytes before and after.
    """
    import nbformat

    before = path.stat().st_size
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                output["text"] = _clip(output["text"], max_text)
            data = output.get("data", {})
            if "image/png" in data:
                raw = base64.b64decode(data["image/png"])
                data["image/png"] = base64.b64encode(compress_png(raw)).decode("ascii")
            if "text/plain" in data and isinstance(data["text/plain"], str):
                data["text/plain"] = _clip(data["text/plain"], max_text)
    nbformat.write(nb, path)
    return before, path.stat().st_size
