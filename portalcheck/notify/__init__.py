"""Sending messages through apprise: the robots of 企业微信 and 钉钉 (their exact payloads), e-mail and webhooks.

Pure delivery: a message, a target, a bounded number of bounded attempts. What is said and to whom, and the
sent-log, are portalcheck.service.notify's.
"""

from portalcheck.notify.channels import Target, normalise, redact_text
from portalcheck.notify.send import Delivery, deliver

__all__ = ["Delivery", "Target", "deliver", "normalise", "redact_text"]
