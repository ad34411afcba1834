"""The notice as PDF: LibreOffice (headless) converts the docx, which stays the editable original.

An inspector without Word checks the layout in the PDF. The docx names the fonts of the office's machines
(仿宋_GB2312 …); on a server that lacks them, LibreOffice would draw every one in the same fallback. The
conversion therefore runs under a fontconfig file that maps each 公文 font to the installed CJK font that
stands in for it (gongwen.stand_in), so title, body, 黑体 and 楷体 headings stay distinct.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from xml.sax.saxutils import escape

from portalcheck.core.child_env import child_env
from portalcheck.exports.gongwen import FONTS, stand_in

CONVERT_TIMEOUT_SECONDS = 180
SYSTEM_FONTS_CONF = Path("/etc/fonts/fonts.conf")


class PdfUnavailable(RuntimeError):
    """No LibreOffice to convert with, or the conversion failed: the message is for the inspector."""


def libreoffice() -> str:
    """The soffice program, or PdfUnavailable with what to install."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if not found:
        raise PdfUnavailable("未找到 LibreOffice（soffice），无法生成 PDF 版通报草稿。请安装 LibreOffice 后重试"
                             "（Debian：apt-get install libreoffice-writer-nogui，或运行 scripts/setup.sh），"
                             "或改用 --format docx 导出可编辑的原稿。")
    return found


def fonts_conf() -> str:
    """A fontconfig file: the system's configuration plus one alias per 公文 font to its installed stand-in."""
    aliases = []
    for role, font in FONTS.items():
        present = stand_in(role)
        if present and present != font.name:
            aliases.append(f"  <alias binding=\"same\"><family>{escape(font.name)}</family>"
                           f"<prefer><family>{escape(present)}</family></prefer></alias>")
    include = f"  <include ignore_missing=\"yes\">{SYSTEM_FONTS_CONF}</include>"
    return "<?xml version=\"1.0\"?>\n<!DOCTYPE fontconfig SYSTEM \"fonts.dtd\">\n<fontconfig>\n" + "\n".join(
        [include, *aliases]) + "\n</fontconfig>\n"


def docx_to_pdf(docx: Path, pdf: Path) -> None:
    """Convert with a private LibreOffice profile (two conversions at once must not share one) and font map."""
    program = libreoffice()
    with tempfile.TemporaryDirectory(prefix="portalcheck-pdf-") as scratch:
        work = Path(scratch)
        (work / "fonts.conf").write_text(fonts_conf(), encoding="utf-8")
        source = work / "notice.docx"
        shutil.copyfile(docx, source)
        env = child_env(FONTCONFIG_FILE=str(work / "fonts.conf"), HOME=str(work))
        command = [program, f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless", "--norestore",
                   "--convert-to", "pdf:writer_pdf_Export", "--outdir", str(work / "out"), str(source)]
        try:
            done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=CONVERT_TIMEOUT_SECONDS,
                                  stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired as exc:
            raise PdfUnavailable(f"LibreOffice 转换 PDF 超时（{CONVERT_TIMEOUT_SECONDS} 秒），未生成 PDF。") from exc
        produced = work / "out" / "notice.pdf"
        if done.returncode != 0 or not produced.exists():
            detail = (done.stderr or done.stdout).strip()[-300:]
            raise PdfUnavailable(f"LibreOffice 未能把通报草稿转换为 PDF（退出码 {done.returncode}）：{detail}")
        shutil.copyfile(produced, pdf)
