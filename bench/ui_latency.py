"""Time from pressing Enter to the answer appearing in the chat UI, in headless Chromium; optionally the README screenshot.

    .venv/bin/python -m bench.ui_latency                       # starts app.py on a temp copy of documents/
    .venv/bin/python -m bench.ui_latency --url http://127.0.0.1:7860/
    .venv/bin/python -m bench.ui_latency --screenshot docs/screenshot.png   # and docs/screenshot-phone.png

Each question is asked in a fresh chat (so none is read as a follow-up of the one before), after one warm-up
question that loads the embedding model. The clock starts when Enter is pressed and stops when the final
answer (not the "…" placeholder) is in the page.
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.browser import CHROMIUM, CHROMIUM_ARGS, Server, start_app, stop_app

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = [
    "Seit wann kooperieren Niedersachsen und Tjumen?",
    "Which IT trade fair in Hanover did Yekaterinburg take part in during June 2018?",
    "Wie viele Kilometer liegen zwischen Haldensleben und Omsk?",
    "How many municipal partnerships exist between North Rhine-Westphalia and Dnipropetrovsk?",
    "Wer leitet die Delegation aus Omsk?",
    "Wann fanden die Gespräche zwischen Tjumen und Niedersachsen in Moskau statt?",
    "Since when have Düsseldorf and Moscow been partner cities?",
    "Wann wurde die Regionalpartnerschaft zwischen Nordrhein-Westfalen und Dnipropetrowsk besiegelt?",
    "Which theatre festival in Hanover did a group from Yekaterinburg attend?",
    "Wie hoch ist der Mount Everest?",
]
FINAL = "#qc-chat .qc-answer:not(.qc-thinking):not(.qc-streaming)"


def start_copy(workdir: Path) -> Server:
    """app.py over a temporary copy of documents/, reusing computed embeddings; the index itself is built fresh."""
    docs = workdir / "documents"
    shutil.copytree(ROOT / "documents", docs)
    if (ROOT / "index" / "cache").is_dir():
        shutil.copytree(ROOT / "index" / "cache", workdir / "index" / "cache")
    try:
        return start_app(docs, workdir / "index", workdir / "app.log")
    except AssertionError as err:
        raise SystemExit(str(err)) from err


def ask(page, question: str, fresh: bool = True) -> float:
    if fresh:
        page.locator("#qc-new").click()
        page.wait_for_function("() => document.querySelectorAll('#qc-chat .qc-answer').length === 0")
    before = page.locator(FINAL).count()
    box = page.locator("#qc-question textarea")
    box.fill(question)
    started = time.perf_counter()
    box.press("Enter")
    page.wait_for_function(f"n => document.querySelectorAll({FINAL!r}).length > n", arg=before, timeout=60_000)
    return time.perf_counter() - started


def screenshot(page, path: Path) -> None:
    """The chat answering a German and an English question, sources beside it, the whole document opened."""
    page.set_viewport_size({"width": 1440, "height": 1000})
    ask(page, "Seit wann kooperieren Niedersachsen und Tjumen?")
    ask(page, "Which IT trade fair in Hanover did Yekaterinburg take part in during June 2018?", fresh=False)
    page.locator("#qc-chat a.qc-cite").first.click()  # back to the first answer's sources
    page.locator("#qc-src-0-1 a.qc-open").wait_for()
    page.locator("#qc-src-0-1 a.qc-open").click()
    page.locator("#qc-sources .qc-viewer mark.qc-doc-mark").wait_for()
    page.locator("#qc-chat a.qc-cite").last.hover()
    time.sleep(1.0)  # smooth scrolling in the viewer settles
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path))


def phone_screenshot(browser, url: str, path: Path) -> None:
    """The same chat at 390 px (an English phone): sources straight under the answer."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US", is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector("#qc-question textarea")
    ask(page, "Since when have Düsseldorf and Moscow been partner cities?")
    page.locator("#qc-sources .qc-source").first.wait_for()
    time.sleep(1.0)
    page.screenshot(path=str(path), full_page=True)
    context.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running Quellenchat; default: start app.py on a temporary copy of documents/")
    parser.add_argument("--screenshot", type=Path, help="also save a screenshot of the UI answering a question here")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    from playwright.sync_api import sync_playwright

    proc = None
    workdir = Path(tempfile.mkdtemp(prefix="qc-ui-latency-"))
    try:
        if args.url:
            url = args.url
        else:
            server = start_copy(workdir)
            proc, url = server.proc, server.url
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="de-DE")
            page.goto(url)
            page.wait_for_selector("#qc-question textarea")
            warm_up = ask(page, "Was ist Quellenchat?")
            times = [ask(page, q) for q in QUESTIONS]
            if args.screenshot:
                screenshot(page, args.screenshot)
                phone_screenshot(browser, url, args.screenshot.with_name(args.screenshot.stem + "-phone.png"))
            browser.close()
    finally:
        if proc is not None:
            stop_app(proc)
        shutil.rmtree(workdir, ignore_errors=True)
    result = {
        "questions": len(times),
        "median_s": round(statistics.median(times), 3),
        "min_s": round(min(times), 3),
        "max_s": round(max(times), 3),
        "warm_up_s": round(warm_up, 3),
        "per_question_s": {q: round(t, 3) for q, t in zip(QUESTIONS, times)},
    }
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
    else:
        for q, t in zip(QUESTIONS, times):
            print(f"{t * 1000:7.0f} ms  {q}")
        print(f"median {result['median_s'] * 1000:.0f} ms over {len(times)} questions (min {result['min_s'] * 1000:.0f}, "
              f"max {result['max_s'] * 1000:.0f}; first question incl. model load {warm_up * 1000:.0f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
