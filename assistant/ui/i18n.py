"""Every word the interface says, in German and English; the interface language follows the browser (switchable).

Answers keep the language of their question; only the interface around them follows this catalogue.
`upload_message` translates the user-facing messages of `assistant.uploads` (written in English there).
"""
from __future__ import annotations

import re

LANGUAGES = ("de", "en")

TEXT: dict[str, dict[str, str]] = {
    "de": {
        "switch": "English",
        "tab_chat": "Chat",
        "tab_docs": "Dokumente",
        "chat_placeholder": "Fragen Sie auf Deutsch oder Englisch – jede Antwort zitiert die Stellen aus Ihren Dokumenten.",
        "question_placeholder": "Frage stellen, Enter drücken …",
        "send": "Fragen",
        "new_chat": "Neuer Chat",
        "export": "Chat exportieren (Markdown)",
        "examples": "Beispiele",
        "history": "Frühere Chats",
        "history_empty": "Noch keine gespeicherten Chats.",
        "delete_chat": "Chat löschen",
        "confirm_delete_chat": "Diesen Chat löschen?",
        "current_chat": "aktueller Chat",
        "copy": "Kopieren",
        "copied": "Kopiert ✓",
        "read_as": "gelesen als: {question}",
        "sources": "Quellen zu Antwort {turn}",
        "sources_placeholder": "Stellen Sie eine Frage – die zitierten Stellen erscheinen hier.",
        "page": "S. {page}",
        "where": "{document} · Zeichen {start}–{end}",
        "open": "Ganzes Dokument an dieser Stelle öffnen",
        "close": "Schließen (Esc)",
        "no_sources": "Keine Quellen: Die Dokumente enthalten dazu nichts.",
        "refused": "Keine Quellen: Die Frage wurde nicht beantwortet.",
        "moved": "Das Dokument wurde seit dieser Antwort geändert; die Stelle ist nicht mehr genau dieselbe.",
        "gone": "Das Dokument ist nicht mehr im Index.",
        "internal_error": "Interner Fehler ({kind}); Details stehen im Server-Log.",
        "no_answer": "Keine Antwort.",
        "viewer_range": "Zeichen {shown}",
        "viewer_marked": " · markiert {start}–{end}",
        "viewer_pages": "{n} Seiten",
        "page_break": "— S. {page} —",
        "col_document": "Dokument",
        "col_size": "Größe",
        "col_chunks": "Abschnitte",
        "col_indexed": "Indexiert",
        "col_status": "Status",
        "state_indexed": "indexiert",
        "state_changed": "geändert, noch nicht neu indexiert",
        "state_deleted": "gelöscht, noch im Index",
        "state_new": "neu, noch nicht indexiert",
        "state_skipped": "übersprungen: {reason}",
        "no_documents": "Keine Dokumente",
        "pending_hint": "{n} Änderung(en) noch nicht im Index – „Index neu aufbauen“ drücken.",
        "pending_watched": "{n} Änderung(en) noch nicht im Index – der Ordner wird überwacht, sie werden gleich indexiert.",
        "no_index": "kein Index – Dokumente hochladen, sie werden sofort indexiert",
        "counts": "{documents} Dokumente · {chunks} Abschnitte",
        "answers_quotes": "Antworten: Zitate (kein LLM)",
        "dictionary_on": "Englisch→Deutsch: Ding-Wörterbuch",
        "dictionary_off": "Englisch→Deutsch: kein Wörterbuch (trans-de-en fehlt)",
        "report_head": "Index aktualisiert in {seconds} s: {chunks} Abschnitte, {embedded} neu eingebettet.",
        "report_added": "hinzugefügt ({n}): {names}",
        "report_changed": "geändert ({n}): {names}",
        "report_removed": "entfernt ({n}): {names}",
        "report_unchanged": "unverändert: {n}",
        "report_full_head": "Index vollständig neu aufgebaut in {seconds} s: {files} Datei(en) neu gelesen und zerlegt, "
                            "{chunks} Abschnitte, {embedded} neu eingebettet (unveränderter Text kam aus dem Embedding-Cache).",
        "report_reread": "neu gelesen ({n}): {names}",
        "last_run": "Letzte Indexierung {time} · {source}",
        "source_rebuild": "Neuaufbau",
        "source_upload": "Hochladen",
        "source_delete": "Löschen",
        "source_watcher": "Ordnerüberwachung",
        "source_start": "Programmstart",
        "source_other": "anderer Prozess (Kommandozeile, Ordnerüberwachung oder eine andere App)",
        "report_skipped": "übersprungen ({n})",
        "report_ocr_pages": "OCR: S. {pages}",
        "health_head": "Gelesen: {files} Datei(en), {pages} Seiten, {chars} Zeichen",
        "health_file": "{chars} Zeichen, {language}",
        "health_pages": "{pages} S., ",
        "health_fine": "Keine Auffälligkeiten.",
        "waiting": "Ein anderer Index-Aufbau läuft (Kommandozeile oder Ordnerüberwachung) – warte darauf …",
        "up_indexing": "wird indexiert …",
        "up_indexed": "indexiert: {chunks} Abschnitte – jetzt durchsuchbar",
        "up_skipped": "nicht indexiert: {reason}",
        "up_not_indexed": "nicht indexiert: {error}",
        "up_gone": "die Datei ist nicht mehr im Dokumentordner",
        "up_removed": "aus dem Index entfernt",
        "rebuilding": "Index wird aktualisiert … ({seconds} s) – der Chat bleibt benutzbar",
        "rebuilding_full": "Index wird vollständig neu aufgebaut, jede Datei neu gelesen … ({seconds} s) – "
                           "bis dahin antwortet der Chat aus dem bisherigen Index",
        "bar_files": "Dateien",
        "bar_chunks": "Abschnitte eingebettet",
        "busy": "Index wird aktualisiert: {stage} {done}/{total}",
        "busy_full": "Index wird neu aufgebaut: {stage} {done}/{total}",
        "rebuild_finished": "Index-Aufbau beendet",
        "upload": "Hochladen: {extensions} · max. {mb} MB",
        "replace": "Gleichnamige Dokumente ersetzen",
        "doc_choice": "Dokument",
        "show": "Anzeigen",
        "delete": "Löschen",
        "confirm_delete": "{document} löschen?",
        "rebuild": "Index neu aufbauen",
        "rebuild_note": "Liest und zerlegt jede Datei neu (etwa nach der Installation von Tesseract); unveränderter Text "
                        "wird nicht neu eingebettet. Hochgeladene und gelöschte Dateien werden ohnehin sofort indexiert.",
        "rebuild_note_watched": "Liest und zerlegt jede Datei neu (etwa nach der Installation von Tesseract); unveränderter "
                                "Text wird nicht neu eingebettet. Neue, geänderte und gelöschte Dateien indexiert die "
                                "Ordnerüberwachung ohnehin von selbst.",
        "choose_doc": "Bitte zuerst ein Dokument wählen.",
        "only_indexed": "Nur indexierte Dokumente können angezeigt werden.",
    },
    "en": {
        "switch": "Deutsch",
        "tab_chat": "Chat",
        "tab_docs": "Documents",
        "chat_placeholder": "Ask in German or English – every answer cites the passages it comes from.",
        "question_placeholder": "Ask a question, press Enter …",
        "send": "Ask",
        "new_chat": "New chat",
        "export": "Export chat (Markdown)",
        "examples": "Examples",
        "history": "Earlier chats",
        "history_empty": "No saved chats yet.",
        "delete_chat": "Delete chat",
        "confirm_delete_chat": "Delete this chat?",
        "current_chat": "current chat",
        "copy": "Copy",
        "copied": "Copied ✓",
        "read_as": "read as: {question}",
        "sources": "Sources for answer {turn}",
        "sources_placeholder": "Ask a question – the cited passages appear here.",
        "page": "p. {page}",
        "where": "{document} · characters {start}–{end}",
        "open": "Open the whole document at this passage",
        "close": "Close (Esc)",
        "no_sources": "No sources: the documents do not say.",
        "refused": "No sources: the question was not answered.",
        "moved": "The document changed since this answer; the passage may have moved.",
        "gone": "The document is no longer in the index.",
        "internal_error": "Internal error ({kind}); see the server log.",
        "no_answer": "No answer.",
        "viewer_range": "characters {shown}",
        "viewer_marked": " · marked {start}–{end}",
        "viewer_pages": "{n} pages",
        "page_break": "— p. {page} —",
        "col_document": "Document",
        "col_size": "Size",
        "col_chunks": "Chunks",
        "col_indexed": "Indexed",
        "col_status": "Status",
        "state_indexed": "indexed",
        "state_changed": "changed, not re-indexed yet",
        "state_deleted": "deleted, still in the index",
        "state_new": "new, not indexed yet",
        "state_skipped": "skipped: {reason}",
        "no_documents": "No documents",
        "pending_hint": "{n} change(s) not in the index yet – press “Rebuild index”.",
        "pending_watched": "{n} change(s) not in the index yet – the folder is watched, they are indexed in a moment.",
        "no_index": "no index yet – upload documents, they are indexed right away",
        "counts": "{documents} documents · {chunks} chunks",
        "answers_quotes": "answers: quotes (no LLM)",
        "dictionary_on": "English→German: Ding dictionary",
        "dictionary_off": "English→German: no dictionary (trans-de-en missing)",
        "report_head": "Index updated in {seconds} s: {chunks} chunks, {embedded} newly embedded.",
        "report_added": "added ({n}): {names}",
        "report_changed": "changed ({n}): {names}",
        "report_removed": "removed ({n}): {names}",
        "report_unchanged": "unchanged: {n}",
        "report_full_head": "Index fully rebuilt in {seconds} s: {files} file(s) re-read and re-chunked, {chunks} chunks, "
                            "{embedded} newly embedded (unchanged text came from the embedding cache).",
        "report_reread": "re-read ({n}): {names}",
        "last_run": "Last index update {time} · {source}",
        "source_rebuild": "full rebuild",
        "source_upload": "upload",
        "source_delete": "delete",
        "source_watcher": "folder watcher",
        "source_start": "app start",
        "source_other": "another process (command line, folder watcher or another app)",
        "report_skipped": "skipped ({n})",
        "report_ocr_pages": "OCR: p. {pages}",
        "health_head": "Read: {files} file(s), {pages} pages, {chars} characters",
        "health_file": "{chars} characters, {language}",
        "health_pages": "{pages} p., ",
        "health_fine": "Nothing looks wrong.",
        "waiting": "Another index build is running (command line or folder watcher) – waiting for it …",
        "up_indexing": "indexing …",
        "up_indexed": "indexed: {chunks} chunks – searchable now",
        "up_skipped": "not indexed: {reason}",
        "up_not_indexed": "not indexed: {error}",
        "up_gone": "the file is no longer in the documents folder",
        "up_removed": "removed from the index",
        "rebuilding": "Rebuilding the index … ({seconds} s) – the chat stays usable",
        "rebuilding_full": "Full rebuild, re-reading every file … ({seconds} s) – the chat answers from the current index meanwhile",
        "bar_files": "files",
        "bar_chunks": "chunks embedded",
        "busy": "updating the index: {stage} {done}/{total}",
        "busy_full": "rebuilding the index (full): {stage} {done}/{total}",
        "rebuild_finished": "rebuild finished",
        "upload": "Upload: {extensions} · max. {mb} MB",
        "replace": "Replace documents with the same name",
        "doc_choice": "Document",
        "show": "Show",
        "delete": "Delete",
        "confirm_delete": "Delete {document}?",
        "rebuild": "Rebuild index",
        "rebuild_note": "Re-reads and re-chunks every file (e.g. after installing Tesseract); unchanged text is not "
                        "embedded again. Uploads and deletions are indexed right away anyway.",
        "rebuild_note_watched": "Re-reads and re-chunks every file (e.g. after installing Tesseract); unchanged text is "
                                "not embedded again. The folder watcher indexes new, changed and deleted files by itself.",
        "choose_doc": "Choose a document first.",
        "only_indexed": "Only indexed documents can be shown.",
    },
}


def language(value: object) -> str:
    """'de' or 'en' from whatever the browser sent ('de-AT', 'EN', None …); English when unsure."""
    code = str(value or "").strip().lower()[:2]
    return code if code in LANGUAGES else "en"


def t(lang: str, key: str, **values: object) -> str:
    """The text for `key` in `lang`, with `values` filled in."""
    text = TEXT[language(lang)][key]
    return text.format(**values) if values else text


# English message of assistant.uploads → German; each pattern matches one message shape, groups carry the names.
_UPLOADS_DE: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p, re.S), r)
    for p, r in [
        (r"^unsupported file type \(no extension\); allowed: (.*)$", r"Dateityp ohne Endung wird nicht unterstützt; erlaubt: \1"),
        (r"^unsupported file type (\S+); allowed: (.*)$", r"Dateityp \1 wird nicht unterstützt; erlaubt: \2"),
        (r"^the file name has no usable characters; .*$", "Der Dateiname enthält keine verwendbaren Zeichen; bitte umbenennen und erneut hochladen"),
        (r"^the file is empty$", "Die Datei ist leer"),
        (r"^the file is larger than the upload limit of (.*)$", r"Die Datei ist größer als die Obergrenze von \1"),
        (r"^the documents folder (.*) does not exist$", r"Der Dokumentordner \1 existiert nicht"),
        (r"^the uploaded file could not be read$", "Die hochgeladene Datei konnte nicht gelesen werden"),
        (r"^refused: the file would land outside the documents folder$", "Abgelehnt: Die Datei läge außerhalb des Dokumentordners"),
        (r"^added(?: \(saved as (.*?)\))?$", r"hinzugefügt (als \1)"),
        (r"^refused: (.*) exists in the documents folder and is not a regular file$", r"Abgelehnt: \1 liegt im Dokumentordner und ist keine normale Datei"),
        (r"^an identical (.*) is already in the documents folder; nothing to do$", r"Eine identische Datei \1 liegt schon im Dokumentordner; nichts zu tun"),
        (r"^a different document named (.*) already exists; .*$", r"Ein anderes Dokument namens \1 existiert schon; „Gleichnamige Dokumente ersetzen“ ankreuzen oder die Datei umbenennen"),
        (r"^replaced the existing (.*?)(?: \(saved as .*?\))?$", r"\1 ersetzt"),
        (r"^refused: not a document name$", "Abgelehnt: kein Dokumentname"),
        (r"^refused: (.*) is not a document in the documents folder$", r"Abgelehnt: \1 ist kein Dokument im Dokumentordner"),
        (r"^(.*) is no longer in the documents folder$", r"\1 ist nicht mehr im Dokumentordner"),
        (r"^refused: (.*) is not a file$", r"Abgelehnt: \1 ist keine Datei"),
        (r"^deleted (.*)$", r"\1 gelöscht"),
    ]
]
_TWO_UPLOADS = (" (two uploads had this name; the later one won)", " (zwei Uploads hatten diesen Namen; der spätere gilt)")


def upload_message(message: str, lang: str) -> str:
    """An upload/delete message from assistant.uploads in the interface language (English passes through)."""
    if language(lang) == "en":
        return message
    suffix = ""
    if message.endswith(_TWO_UPLOADS[0]):
        message, suffix = message[: -len(_TWO_UPLOADS[0])], _TWO_UPLOADS[1]
    for pattern, german in _UPLOADS_DE:
        match = pattern.match(message)
        if match:
            return match.expand(german).replace(" (als )", "") + suffix
    return message + suffix
