"""Vocabulary files of the bottom layer (read through portalcheck.core.resources.package_yaml)."""
