"""网上问政 boards: layouts per CMS family, masking, categories, and the items and writer of messages.

The spider (crawler/spiders/messages.py) decides what to fetch; this package knows how boards look
(crawler/data/messages_*.yaml) and how a message is cleaned before it may be stored.
"""
