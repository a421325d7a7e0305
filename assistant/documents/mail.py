"""E-mail (.eml, stdlib `email`): the headers people search for (subject, sender, date) as the first lines,
then the plain-text body (or the HTML body's text). The subject is the title. Attachments are not read."""
from __future__ import annotations

from email import policy
from email.parser import BytesParser

from . import titles
from .base import DocumentError, Extracted, short
from .html import read_html

HEADERS = ("Subject", "From", "To", "Date")


def read_eml(data: bytes) -> Extracted:
    try:
        message = BytesParser(policy=policy.default).parsebytes(data)
        if not any(message.get(h) for h in HEADERS):
            raise DocumentError("not an e-mail (no Subject, From, To or Date header)")
        body_part = message.get_body(preferencelist=("plain", "html"))
        body = ""
        if body_part is not None:
            content = body_part.get_content()
            body = read_html(content.encode("utf-8")).text if body_part.get_content_subtype() == "html" else content
        header_lines = [f"{h}: {' '.join(str(message[h]).split())}" for h in HEADERS if message.get(h)]
        subject = str(message.get("Subject") or "")
    except DocumentError:
        raise
    except Exception as e:
        raise DocumentError(f"corrupt or unreadable e-mail: {short(e)}") from e
    text = "\n".join(header_lines) + "\n\n" + body.strip()
    return Extracted(text, titles.best(subject, text=body))
