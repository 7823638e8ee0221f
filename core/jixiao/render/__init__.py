"""Renderers for the deliverables evaluation firms hand over (Word, Excel, HTML)."""

import io
import os
import re
import time
import zipfile

_CORE_DATES = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:(?:created|modified)>)")


def reproducible_zip(data: bytes) -> bytes:
    """Rewrite an Office file (a zip) so that the same inputs give the same bytes.

    python-docx and openpyxl stamp every zip entry and the document properties with the current
    time. Entries get the zip epoch (or ``SOURCE_DATE_EPOCH`` when set, as reproducible builds do)
    and ``docProps/core.xml`` the same instant; contents and entry order are unchanged.
    """
    epoch = int(os.environ.get("SOURCE_DATE_EPOCH", "315532800"))  # 1980-01-01, the zip format's first day
    stamp = time.gmtime(max(epoch, 315532800))
    iso = time.strftime("%Y-%m-%dT%H:%M:%SZ", stamp).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = _CORE_DATES.sub(rb"\g<1>" + iso + rb"\g<2>", body)
            entry = zipfile.ZipInfo(info.filename, date_time=stamp[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, body)
    return out.getvalue()


# C0 control characters (and DEL's neighbours U+FFFE/U+FFFF) that XML 1.0 — so Word and Excel — cannot hold;
# TAB, LF and CR are allowed.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def control_characters(obj: object, path: str = "$"):
    """Yield ``(key path, character)`` for each string in ``obj`` (dicts, lists) holding a control
    character a Word or Excel file cannot store, first occurrence per string."""
    if isinstance(obj, str):
        m = _CONTROL.search(obj)
        if m:
            yield path, m.group()
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield from control_characters(k, path)
            yield from control_characters(v, f"{path}.{k}")
    elif isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            yield from control_characters(v, f"{path}[{i}]")


def refuse_control_characters(obj: object, *, file: str | None, what: str, path: str = "$") -> None:
    """Raise a located :class:`DataError` (exit 3) for text a Word/Excel report cannot hold."""
    from ..errors import DataError, raise_all

    raise_all(DataError(f"the text holds the control character U+{ord(ch):04X}, which a {what} cannot store; "
                        "remove it (it is usually a paste from another program)", file=file, path=p)
              for p, ch in control_characters(obj, path))
