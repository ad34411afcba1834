"""Every check, in the order they run and are listed. Registering a check is one line here."""

from __future__ import annotations

from typing import Any

from checks import (
    account_dormant,
    account_no_interaction,
    account_not_updated,
    account_sensitive,
    account_serious_error,
    account_unreachable,
    column_blank,
    column_blank_count,
    column_broken,
    column_stale,
    column_stale_count,
    content_duplicate,
    content_format,
    content_garbled,
    content_image_broken,
    content_personal_data,
    content_sensitive,
    content_serious_error,
    content_truncated,
    content_typo,
    footer_conac,
    footer_icp,
    footer_police_record,
    footer_site_code,
    home_not_updated,
    interaction_no_channel,
    link_dead,
    message_overdue,
    message_reply_poor,
    message_unanswered,
    page_accessibility,
    page_metadata,
    page_no_error_report,
    site_annual_report,
    site_https,
    site_ipv6,
    site_unreachable,
)
from checks.base import Check

CHECKS: list[Check] = [
    column_stale.CHECK,
    column_blank.CHECK,
    column_stale_count.CHECK,
    column_blank_count.CHECK,
    column_broken.CHECK,
    home_not_updated.CHECK,
    page_no_error_report.CHECK,
    footer_site_code.CHECK,
    footer_icp.CHECK,
    footer_police_record.CHECK,
    footer_conac.CHECK,
    link_dead.CHECK,
    site_unreachable.CHECK,
    site_ipv6.CHECK,
    site_https.CHECK,
    content_garbled.CHECK,
    content_serious_error.CHECK,
    content_sensitive.CHECK,
    content_typo.CHECK,
    content_personal_data.CHECK,
    content_format.CHECK,
    content_duplicate.CHECK,
    content_truncated.CHECK,
    content_image_broken.CHECK,
    account_not_updated.CHECK,
    account_dormant.CHECK,
    account_unreachable.CHECK,
    account_no_interaction.CHECK,
    account_serious_error.CHECK,
    account_sensitive.CHECK,
    message_unanswered.CHECK,
    message_overdue.CHECK,
    message_reply_poor.CHECK,
    interaction_no_channel.CHECK,
    page_metadata.CHECK,  # issue #18: advisory by default
    page_accessibility.CHECK,
    site_annual_report.CHECK,
]


def by_rule() -> dict[str, Check]:
    return {check.rule: check for check in CHECKS}


def select_checks(only: list[str] | None = None) -> list[Check]:
    """The checks to run; `only` takes rule ids or prefixes (`column` runs every column.* rule)."""
    if not only:
        return list(CHECKS)
    chosen = [c for c in CHECKS if any(c.rule == o or c.rule.startswith(o.rstrip(".") + ".") for o in only)]
    unknown = [o for o in only if not any(c.rule == o or c.rule.startswith(o.rstrip(".") + ".") for c in CHECKS)]
    if unknown:
        known = "、".join(c.rule for c in CHECKS)
        raise KeyError(f"未知的检查规则：{'、'.join(unknown)}；可用的规则：{known}")
    return chosen


def catalogue() -> list[dict[str, Any]]:
    """The metadata of every check, for `portalcheck check --list` and the docs."""
    return [check.metadata() for check in CHECKS]
