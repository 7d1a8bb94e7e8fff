# Sourced by scripts/demo and scripts/test: a project virtual environment with pinned packages.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${LABSHARE_VENV:-$ROOT/.venv}"
PYTHON="${PYTHON:-python3}"

if [ ! -x "$VENV/bin/python" ]; then
  echo "» creating virtual environment in $VENV"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --upgrade pip
fi
echo "» installing LabShare and its pinned dependencies"
"$VENV/bin/pip" install --quiet --disable-pip-version-check -e "$ROOT${LABSHARE_EXTRAS:-}" 2>&1 \
  | grep -v -e "^WARNING: Location" -e "^$" || true
