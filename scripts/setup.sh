#!/usr/bin/env bash
# Set up everything portalcheck needs on a fresh Debian machine: a virtual environment with
# the pinned packages, Debian's chromium (+ Chinese fonts) for JavaScript-only columns (and its headless shell
# for the evidence pictures), and
# LibreOffice (headless) with serif/sans/kai CJK fonts for the notice as PDF (export notice --format pdf).
# Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.installed
if [ ! -f "$stamp" ] || [ setup.cfg -nt "$stamp" ]; then
  .venv/bin/pip install --quiet --upgrade pip
  .venv/bin/pip install --quiet -e '.[dev]'
  touch "$stamp"
fi

need_apt=()
need_lean=()  # installed without Debian's recommends (LibreOffice's would add hundreds of MB)
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
# The evidence pictures' browser: the same engine without the full browser, half its memory (issue #15).
[ -x /usr/lib/chromium/chromium-headless-shell ] || need_lean+=(chromium-headless-shell)
[ -e /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ] || need_apt+=(fonts-wqy-zenhei)
# The notice's PDF: LibreOffice without a GUI, pdftotext/pdftoppm (tests, docs pictures), and stand-ins for
# 小标宋/仿宋/宋体 (Noto Serif CJK SC), 黑体 (Noto Sans CJK SC) and 楷体 (AR PL KaitiM GB).
command -v soffice >/dev/null 2>&1 || need_lean+=(libreoffice-writer-nogui)
command -v pdftotext >/dev/null 2>&1 || need_lean+=(poppler-utils)
[ -e /usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc ] || need_lean+=(fonts-noto-cjk)
[ -e /usr/share/fonts/truetype/arphic-gkai00mp/gkai00mp.ttf ] || need_lean+=(fonts-arphic-gkai00mp)
if [ $((${#need_apt[@]} + ${#need_lean[@]})) -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "installing ${need_apt[*]} ${need_lean[*]} from Debian…" >&2
    apt-get update -qq
    if [ ${#need_apt[@]} -gt 0 ]; then
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
    fi
    if [ ${#need_lean[@]} -gt 0 ]; then
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_lean[@]}" >/dev/null
    fi
  else
    echo "warning: ${need_apt[*]} ${need_lean[*]} missing; run 'sudo apt-get install -y ${need_apt[*]}" \
      "${need_lean[*]}' (JavaScript columns, the notice as PDF)" >&2
  fi
fi
