"""A finding's evidence (a JSON dict written by its check) as one readable Chinese cell.

Inspectors paste this next to the problem in a 通报 or a 整改通知, so it names what was seen
(newest item and its date, the HTTP status, the pages affected) rather than dumping JSON. Keys
no label is known for are skipped: the JSON export keeps the full evidence for tools.
"""

from __future__ import annotations

from typing import Any

from portalcheck.exports.common import CATEGORY_ZH, clean_text

MAX_CHARS = 400
MAX_ITEMS = 3

LABELS = {
    "category": "栏目类别", "newest": "最新信息日期", "age_days": "未更新天数", "window_days": "更新时限（天）",
    "items": "信息条数", "http_status": "HTTP状态码", "error": "错误", "reason": "原因", "count": "数量",
    "threshold": "否决线", "pages_checked": "检查页面数", "pages_failing": "问题页面数", "expected": "应为",
    "target": "失效链接", "pages_count": "所在页面数", "pages": "所在页面", "link_texts": "链接文字",
    "first_items": "最新信息", "columns": "涉及栏目", "samples": "示例页面", "hits": "命中次数",
    "snippets": "原文片段", "sentences": "原文片段", "wrong": "错误写法", "right": "正确写法",
    "id_count": "身份证号数量", "mobile_count": "手机号码数量", "title": "标题", "published_on": "发布日期",
    "published_at": "发布时间", "probes": "监测次数", "failed": "失败次数", "ratio": "失败比例",
    "site_code_text": "页面标识码", "soft_404": "软404",
}
SKIP = {"column", "level", "visit", "visited_at", "fetched_at", "checked_at", "page_url", "dated_items",
        "undated_only", "external", "on_home", "tags", "markers", "flags", "id_numbers", "mobiles", "group"}


def _item(value: Any) -> str:
    """One element of a list in the evidence: a titled item, a column, a sample page, or a value."""
    if isinstance(value, dict):
        if "title" in value:
            return f"{value['title']}（{value.get('date') or '无日期'}）"
        if "column" in value:
            where = f"{value['unit']}/" if value.get("unit") else ""
            newest = f"，最新{value['newest']}" if value.get("newest") else ""
            return f"{where}{value['column']}{newest}"
        if "url" in value:
            return str(value["url"])
        return "，".join(f"{k}={v}" for k, v in value.items())
    return str(value)


def _value(key: str, value: Any) -> str | None:
    if value is None or value == [] or value == {} or value is False:
        return None
    if key == "category":
        return CATEGORY_ZH.get(str(value), str(value))
    if key == "ratio" and isinstance(value, float):
        return f"{value:.1%}"
    if value is True:
        return "是"
    if isinstance(value, list):
        shown = "；".join(_item(v) for v in value[:MAX_ITEMS])
        return shown + (f" 等{len(value)}项" if len(value) > MAX_ITEMS else "")
    return str(value)


def evidence_text(evidence: dict[str, Any]) -> str:
    parts = []
    for key, value in evidence.items():
        if key in SKIP or key not in LABELS:
            continue
        shown = _value(key, value)
        if shown:
            parts.append(f"{LABELS[key]}：{shown}")
    text = clean_text("；".join(parts))
    return text if len(text) <= MAX_CHARS else text[: MAX_CHARS - 1] + "…"
