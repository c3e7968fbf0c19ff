#!/usr/bin/env bash
# Shared set-up for scripts/serve and scripts/test: everything a fresh Debian machine lacks.
# Idempotent and quiet when nothing is missing.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

PYTHON="${PYTHON:-python3}"
VENV="$ROOT/.venv"

# Debian packages WeasyPrint needs for PDF letters: Pango, HarfBuzz-subset (fast font
# subsetting), CJK fonts (Song, Kai, and a wide fallback for rare characters), and poppler
# for the PNG preview of a letter; Chromium and its WebDriver for the browser tests of the
# applicant pages (tests/browser).
DEB_PACKAGES=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-arphic-gbsn00lp
              fonts-arphic-gkai00mp fonts-noto-cjk poppler-utils postgresql-client
              chromium chromium-driver)
missing=()
for pkg in "${DEB_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo ">> installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -x "$VENV/bin/python" ]; then
  echo ">> creating virtual environment in .venv"
  "$PYTHON" -m venv "$VENV"
fi
stamp="$VENV/.installed-$(sha256sum setup.cfg | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo ">> installing the package and its test extra"
  "$VENV/bin/pip" install -q --upgrade pip
  "$VENV/bin/pip" install -q -e ".[test]"
  rm -f "$VENV"/.installed-*
  touch "$stamp"
fi
export PATH="$VENV/bin:$PATH"
