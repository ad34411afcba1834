"""Government new-media accounts (政务新媒体): one adapter per platform, one output shape.

- weibo.py: m.weibo.cn JSON API through a logged-in chromium context
- wechat.py: `general_msg_list` timelines, article pages, units' columns of articles
- feed.py: RSS/Atom from bridges (WeChat, 头条号, 抖音 …)
- dates.py: relative and year-less post times, relative to the fetch time
- health.py: the collector's state (ok, not_found, closed, login_expired, rate_limited, …)
- harvest.py: reads every configured account politely; store.py: the pipeline writer
"""
