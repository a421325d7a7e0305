"""Start Quellenchat: index documents/ (only what changed) and open the assistant."""
import sys

from assistant.cli import main

if __name__ == "__main__":
    # Until the chat UI lands, `make run` indexes and then answers questions typed at a prompt.
    code = main(["index"])
    if code:
        sys.exit(code)
    while True:
        try:
            question = input("Frage / question (Ctrl-D to quit): ").strip()
        except EOFError:
            break
        if question:
            main(["ask", question])
