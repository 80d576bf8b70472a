# The common commands. `make check` is what to run before every commit.
VENV ?= .venv
BIN := $(VENV)/bin
TRANSLATIONS := pcrm/translations
# Besides gettext's usual names: lazy_gettext, imported as _l, for text built at import time, and
# lazy_pgettext for such text when one Korean word needs two English ones (a context).
KEYWORDS := -k _l -k lazy_gettext -k lazy_pgettext:1c,2

.PHONY: install check test up translations

install:
	python3 -m venv $(VENV)
	$(BIN)/pip install -q -e '.[test,dev]'
	npm ci --no-audit --no-fund  # axe-core, for the browser tests' accessibility checks

check:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -q -p no:cacheprovider

test:
	$(BIN)/python -m pytest -q -p no:cacheprovider

up:
	$(BIN)/pcrm up --demo

# Extract every message, merge into the English catalog (translate the new empty entries in
# $(TRANSLATIONS)/en/LC_MESSAGES/messages.po, then run this again) and compile the .mo.
translations:
	$(BIN)/pybabel extract -F babel.cfg $(KEYWORDS) --add-location=file --sort-output \
		--project=PCRM -o $(TRANSLATIONS)/messages.pot pcrm templates
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) -l en \
		--no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile -d $(TRANSLATIONS) --statistics
