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
