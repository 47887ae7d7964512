#!/usr/bin/env bash
# One entry point for a fresh machine: finds Python 3.12+, makes .venv, installs the
# pinned packages, migrates, and then runs the portal or the tests.
#
#   ./dev.sh run [ADDRESS:PORT | PORT]
#                    the portal with the demo data on SQLite, http://127.0.0.1:8000/ unless
#                    given another address or port (and the task worker that makes the report
#                    PDFs and sends the mails, and send_reminders once a day; mails are printed
#                    on the console)
#   ./dev.sh test    the whole test suite (SQLite; set DATABASE_URL for PostgreSQL)
#   ./dev.sh setup   only install (used by the two above)
set -euo pipefail
cd "$(dirname "$0")"

find_python() {
  local candidates=(python3.13 python3.12 python3 python)
  local root
  if command -v pyenv >/dev/null 2>&1; then root=$(pyenv root); else root="$HOME/.pyenv"; fi
  for dir in "$root"/versions/3.13* "$root"/versions/3.12*; do
    [ -x "$dir/bin/python3" ] && candidates+=("$dir/bin/python3")
  done
  for c in "${candidates[@]}"; do
    if "$c" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; then
      command -v "$c" 2>/dev/null || echo "$c"
      return 0
    fi
  done
  return 1
}

setup() {
  if [ ! -x .venv/bin/python ]; then
    local py
    if ! py=$(find_python); then
      echo "Django 6 needs Python 3.12 or newer, and none was found." >&2
      echo "Install one, e.g. 'pyenv install 3.13' or 'apt-get install python3.13 python3.13-venv'." >&2
      exit 1
    fi
    echo "Using $py ($("$py" --version))"
    "$py" -m venv .venv
  fi
  local stamp=.venv/.installed
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    # The pinned packages of pyproject.toml (runtime + dev); the portal itself runs
    # from this folder and is not installed as a package.
    .venv/bin/python -c 'import tomllib; p = tomllib.load(open("pyproject.toml", "rb"))["project"]; print("\n".join(p["dependencies"] + p["optional-dependencies"]["dev"]))' > .venv/requirements.txt
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -r .venv/requirements.txt
    touch "$stamp"
  fi
}

ensure_test_tools() {
  # Browser tests drive Debian's Chromium (never a downloaded browser); the report
  # tests read the PDF's text with poppler's pdftotext.
  local missing=()
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian's ${missing[*]} for the tests…"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "The tests need ${missing[*]}: 'sudo apt-get install ${missing[*]}'." >&2
    exit 1
  fi
}

cmd=${1:-run}
shift || true
case "$cmd" in
  setup)
    setup ;;
  run)
    setup
    .venv/bin/python manage.py migrate --no-input
    .venv/bin/python manage.py load_demo
    # The background task workers, beside the web server: one for the report PDFs, one for
    # Excel imports and mails (so neither waits behind the other).
    .venv/bin/python manage.py db_worker --queue-name reports --no-startup-delay --interval 1 &
    reports_worker=$!
    .venv/bin/python manage.py db_worker --queue-name default --no-startup-delay --interval 1 &
    worker=$!
    # The follow-up mails due each day (idempotent; DEBUG prints mails on this console).
    (while true; do .venv/bin/python manage.py send_reminders || true; sleep 86400; done) &
    reminders=$!
    trap 'kill "$worker" "$reports_worker" "$reminders" 2>/dev/null' EXIT INT TERM
    echo "Log in as konsulent / demo (see README for the other demo users)."
    .venv/bin/python manage.py runserver "${@:-127.0.0.1:8000}" ;;
  test)
    setup
    ensure_test_tools
    exec .venv/bin/python -m pytest "$@" ;;
  *)
    echo "usage: ./dev.sh [run|test|setup] [args…]" >&2
    exit 2 ;;
esac
