"""OCR quality and speed on a German page rendered with a real TrueType font (what a scanned letter looks like).

    python -m bench.ocr            # character accuracy and seconds per page, as JSON

Character accuracy = 1 - (Levenshtein distance / length of the true text), after collapsing whitespace, so a
changed line break is not an error but every wrong, missing or extra letter is.
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")  # Debian's fonts-dejavu-core

GERMAN_PAGE = [
    "Stadt Musterhausen – Niederschrift der Ratssitzung",
    "",
    "Der Gemeinderat beschloss am 12. März 2024 einstimmig, die",
    "Städtepartnerschaft mit Gödöllő um weitere fünf Jahre zu verlängern.",
    "Für den Schüleraustausch im Frühjahr übernimmt die Stadt die Kosten",
    "von 4.800 Euro; die Fahrtkosten der Gäste trägt der Förderverein.",
    "Bürgermeisterin Jürgens dankte den Schulen für ihre Mühe und",
    "erinnerte an die Begegnung im Rathaus am 3. Oktober 1991.",
    "Außerdem wird geprüft, ob ein gemeinsames Klimaschutzprojekt mit",
    "der Partnerstadt gefördert werden kann (Zuschuss bis zu 15 %).",
]


def rendered_page(lines: list[str], size: int = 44):
    """An A4 page at 300 dpi with `lines` drawn in DejaVu Sans at ~10.5 pt: a printed letter as a scanner sees it."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("L", (2480, 3508), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(FONT), size)
    y = 250
    for line in lines:
        draw.text((220, y), line, font=font, fill=0)
        y += int(size * 1.7)
    return image


def char_accuracy(truth: str, found: str) -> float:
    """1 - edit distance / len(truth), on whitespace-collapsed texts (never below 0)."""
    a, b = " ".join(truth.split()), " ".join(found.split())
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return max(0.0, 1.0 - previous[-1] / max(len(a), 1))


def run_ocr(pages: int = 3) -> dict:
    """OCR the rendered page `pages` times (through the PDF reader, as indexing does): accuracy, seconds per page."""
    from assistant.documents import ocr
    from assistant.documents.pdf import read_pdf

    if not ocr.available():
        return {"skipped": ocr.NEEDS_OCR}
    import io

    images = [rendered_page(GERMAN_PAGE) for _ in range(pages)]
    buffer = io.BytesIO()
    images[0].save(buffer, "PDF", resolution=300, save_all=True, append_images=images[1:])
    started = time.perf_counter()
    extracted = read_pdf(buffer.getvalue())
    seconds = time.perf_counter() - started
    first = extracted.text[: extracted.page_starts[1]] if pages > 1 else extracted.text
    return {
        "languages": ocr.languages(),
        "dpi": ocr.RENDER_DPI,
        "pages": pages,
        "char_accuracy": round(char_accuracy("\n".join(GERMAN_PAGE), first), 4),
        "seconds_per_page": round(seconds / pages, 2),
    }


if __name__ == "__main__":
    sys.stdout.write(json.dumps(run_ocr(), indent=1, ensure_ascii=False) + "\n")
