"""Checks: one module per indicator, each reading the store and yielding findings with evidence.

Public API (wired into `portalcheck check` by the CLI):
`run_checks(store, config, as_of, units=None, only=None) -> CheckReport`, `format_report(report)`,
`catalogue()`, `verdicts(store, config, as_of)`.
"""

from checks.registry import catalogue
from checks.runner import CheckReport, format_report, run_checks
from checks.verdicts import Verdicts, verdicts

__all__ = ["CheckReport", "Verdicts", "catalogue", "format_report", "run_checks", "verdicts"]
