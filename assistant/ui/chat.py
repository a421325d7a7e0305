"""The chat tab's behaviour: answering, the sources panel and its viewer, history (open, delete, new), Markdown.

Plain methods over an Assistant and a History; `app.py` binds them to Gradio events. Each returns the values of
`ChatView` fields (or `SKIP` for "leave as is"), so the wiring stays a list of outputs.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterator, Sequence

from ..history import History
from ..markdown import chat_markdown, turn_markdown
from .i18n import t
from .render import Turn, chat_messages, render_history, render_markdown_store
from .sources import render_sources

if TYPE_CHECKING:  # pragma: no cover
    from ..pipeline import Assistant

log = logging.getLogger("quellenchat.ui")


@dataclass(frozen=True)
class Shown:
    """Which turn the sources panel shows, and under which citation the document viewer is open."""

    turn: int
    open_n: int | None = None


class Chat:
    """Chat handlers for one Assistant; `document_text` reads the live index (None when there is none),
    `page_starts` a document's page offsets for the viewer's page markers."""

    def __init__(self, assistant: Assistant, history: History, document_text: Callable[[str], str | None],
                 page_starts: Callable[[str], Sequence[int]] | None = None) -> None:
        self.assistant = assistant
        self.history = history
        self.document_text = document_text
        self.page_starts = page_starts

    # ------------------------------------------------------------ views
    def sources(self, turns: list[Turn], shown: Shown | None, lang: str) -> str:
        if shown is None or not 0 <= shown.turn < len(turns):
            return render_sources(None, None, self.document_text, lang)
        return render_sources(shown.turn, turns[shown.turn], self.document_text, lang, shown.open_n, self.page_starts)

    def markdown_store(self, turns: list[Turn], chat_id: str | None, lang: str) -> str:
        """Each turn's Markdown (copy links) and the whole chat's (export), kept hidden in the page."""
        items = [(x.question, x.answer, x.message) for x in turns]
        title = turns[0].question if turns else "Quellenchat"
        name = f"quellenchat-{time.strftime('%Y-%m-%d')}.md"
        return render_markdown_store([turn_markdown(*item, lang) for item in items], chat_markdown(title, items, lang), name, chat_id)

    def history_list(self, browser: str, chat_id: str | None, lang: str) -> str:
        return render_history([(c.id, c.title, c.updated) for c in self.history.chats(browser)], chat_id, lang)

    def whole(self, turns: list[Turn], shown: Shown | None, chat_id: str | None, browser: str, lang: str) -> tuple[Any, ...]:
        """(chatbot, sources, markdown store, history list) for the current state."""
        return (chat_messages(turns, lang=lang), self.sources(turns, shown, lang), self.markdown_store(turns, chat_id, lang),
                self.history_list(browser, chat_id, lang))

    # ------------------------------------------------------------ asking
    def answer(self, question: str, turns: list[Turn], lang: str) -> Iterator[tuple[str | None, Turn | None]]:
        """Yield (partial text, None) while an answer is written, then (None, finished turn) once."""
        from ..answering import BadQuestion
        from ..index import IndexProblem

        history = [x.question for x in turns if x.answer is not None]
        try:
            answer = None
            for text, final in self.assistant.ask_stream(question, history):
                if final is None:
                    yield text, None
                else:
                    answer = final
            turn = Turn(question, answer) if answer is not None else Turn(question, message=t(lang, "no_answer"))
        except (BadQuestion, IndexProblem) as err:
            turn = Turn(question, message=str(err))
        except Exception as err:
            log.exception("answering failed")
            turn = Turn(question, message=t(lang, "internal_error", kind=type(err).__name__))
        yield None, turn

    def remember(self, browser: str, chat_id: str | None, turn: Turn) -> str | None:
        """Store the turn in this browser's chat; the chat id (new for a first question), or the old one on failure."""
        try:
            return self.history.add_turn(browser, chat_id, turn.question, turn.answer, turn.message) or chat_id
        except Exception:  # a full disk must not cost the user the answer on the screen
            log.exception("saving the chat failed")
            return chat_id

    # ------------------------------------------------------------ history
    def open(self, browser: str, chat_id: str) -> tuple[list[Turn], Shown | None, str | None]:
        """Turns of one of this browser's chats; an empty chat when it is unknown or someone else's."""
        stored = self.history.turns(browser, chat_id)
        if stored is None:
            return [], None, None
        turns = [Turn(s.question, s.answer, s.message) for s in stored]
        return turns, (Shown(len(turns) - 1) if turns else None), chat_id

    def delete(self, browser: str, chat_id: str) -> bool:
        return self.history.delete(browser, chat_id)

    # ------------------------------------------------------------ sources panel events
    def sources_event(self, turns: list[Turn], shown: Shown | None, data: dict) -> Shown | None:
        """What the panel should show after a click: another turn ('show'), the viewer ('open') or none ('close')."""
        action = data.get("action")
        if action == "close":
            return Shown(shown.turn) if shown is not None else None
        try:
            number, n = int(data.get("turn", -1)), int(data.get("n", 0))
        except (TypeError, ValueError):
            return shown
        if not 0 <= number < len(turns):
            return shown
        if action == "show":
            return Shown(number)
        if action == "open":
            answer = turns[number].answer
            return Shown(number, n) if answer is not None and any(c.n == n for c in answer.citations) else shown
        return shown

    def viewer_document(self, turns: list[Turn], shown: Shown | None) -> str | None:
        """The document the inline viewer shows, if it is open."""
        if shown is None or shown.open_n is None or not 0 <= shown.turn < len(turns) or turns[shown.turn].answer is None:
            return None
        return next((c.document for c in turns[shown.turn].answer.citations if c.n == shown.open_n), None)
