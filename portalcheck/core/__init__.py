"""The bottom layer: what every part of portalcheck may use and which uses nothing of ours.

Domain vocabulary shared by gatherers (crawler/) and judges (checks/): personal-data patterns and
masking, message status groups, account collector health. The layer contracts in setup.cfg
([importlinter]) keep it at the bottom.
"""
