"""Evidence pictures' gatherer: open a page in Debian's chromium, find what a finding is about (a date, a
sentence's word, a link, the footer), outline it in red and take a PNG of the part of the page around it.

The caller (portalcheck.service.evidence) says what to find; this module only drives the browser. A page that
cannot be opened or an element that cannot be found gives an error for that shot, never an exception: a missing
picture must not fail the night.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from typing import Any

from crawler.settings import chromium_launch_options
from portalcheck.core.child_env import set_while_starting

log = logging.getLogger(__name__)

VIEWPORT = {"width": 1280, "height": 900}
MARGIN = 160  # CSS px of the page kept above and below the outlined element
MAX_HEIGHT = 1400  # a tall element (a long footer) is cut: the picture stays readable
OUTLINE_PX = 3
# Playwright's node driver only relays a picture at a time: no JIT and a small heap take it from ≈ 154 to ≈ 110 MB
# PSS at the same speed (bench.evidence_memory; the night's end, issue #15). Added to the deployment's own.
DRIVER_NODE_OPTIONS = "--jitless --max-old-space-size=64 --max-semi-space-size=1"
MARK_ATTR = "data-portalcheck-evidence"
# Drawn inside the element's box (offset -3px): an ancestor with overflow:hidden (a list's <li>, a clearfix)
# would cut an outline drawn outside it. Outlines paint over the content, so the frame is whole.
OUTLINE_CSS = (f"[{MARK_ATTR}]{{outline:{OUTLINE_PX}px solid #ff0000 !important;"
               f"outline-offset:-{OUTLINE_PX}px !important}}")

# Marks the target with MARK_ATTR and answers its box in document coordinates, or an error word.
# kind text: the first visible text node holding the needle; the needle's range is wrapped in a <span>
# (a leader's misspelt name, a sensitive word, garbled text, a column's newest date). Falls back to the smallest
# element whose text holds it when the needle spans several nodes.
# kind link: the first visible a/iframe/script/link whose resolved URL is the target (without fragment).
# kind footer: the page's footer block (footer, #footer, .footer …, the lowest outermost one), else the last
# visible block of the body.
# kind block: the first visible element matching one of the selectors (a blank column's list area).
FIND_JS = r"""
([kind, needle, selectors, mark]) => {
  const visible = (el) => {
    if (!el || !el.getBoundingClientRect) return false;
    const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none';
  };
  const boxOf = (el) => {
    const r = el.getBoundingClientRect();
    return {x: r.left + scrollX, y: r.top + scrollY, width: r.width, height: r.height,
            page_width: document.documentElement.scrollWidth, page_height: document.documentElement.scrollHeight};
  };
  const done = (el) => { el.setAttribute(mark, '1'); return boxOf(el); };
  const squash = (t) => (t || '').replace(/\s+/g, '');
  if (kind === 'text') {
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const at = node.data.indexOf(needle);
      if (at < 0 || !visible(node.parentElement)) continue;
      const span = document.createElement('span');
      const range = document.createRange();
      range.setStart(node, at);
      range.setEnd(node, at + needle.length);
      range.surroundContents(span);
      return done(span);
    }
    const want = squash(needle);
    let best = null;
    for (const el of document.body.querySelectorAll('*')) {
      if (['SCRIPT', 'STYLE', 'NOSCRIPT'].includes(el.tagName)) continue;
      if (squash(el.textContent).includes(want) && visible(el)) best = el;  // document order: deepest last
    }
    return best ? done(best) : 'not_found';
  }
  if (kind === 'link') {
    const bare = (u) => { try { const x = new URL(u, location.href); x.hash = ''; return x.href; } catch (e) { return u; } };
    const target = bare(needle);
    let hidden = null;
    for (const el of document.querySelectorAll('a[href], area[href], iframe[src], script[src], link[href], embed[src]')) {
      const url = el.href || el.src;
      if (!url || bare(url) !== target) continue;
      if (visible(el)) return done(el);
      hidden = hidden || el;
    }
    return hidden ? 'not_visible' : 'not_found';
  }
  if (kind === 'footer') {
    const selector = 'footer, [role=contentinfo], #footer, .footer, [id*=footer i], [class*=footer i], ' +
                     '[id*=foot i], [class*=foot i], [id*=bottom i], [class*=bottom i], [id*=copyright i], [class*=copyright i]';
    const found = [...document.querySelectorAll(selector)].filter(visible);
    const outer = found.filter((el) => !found.some((o) => o !== el && o.contains(el)));
    outer.sort((a, b) => boxOf(b).y + boxOf(b).height - (boxOf(a).y + boxOf(a).height));
    if (outer.length) return done(outer[0]);
    const blocks = [...document.body.children].filter(visible);
    return blocks.length ? done(blocks[blocks.length - 1]) : 'not_found';
  }
  if (kind === 'block') {
    for (const sel of selectors) {
      for (const el of document.querySelectorAll(sel)) if (visible(el)) return done(el);
    }
    return 'not_found';
  }
  return 'unknown_kind';
}
"""


@dataclass(slots=True)
class Shot:
    """What to photograph: `url` opened, `kind` (text | link | footer | block) and `needle` (the text, the link
    target) or `selectors` tell what to outline; `key` is the caller's (a finding id)."""

    key: Any
    url: str
    kind: str
    needle: str | None = None
    selectors: list[str] = field(default_factory=list)
    fallback_needles: list[str] = field(default_factory=list)  # tried in order when `needle` is not found


@dataclass(slots=True)
class Picture:
    """A shot taken (png, the element's box in document CSS px and the clip of the page the PNG shows) or
    not (error)."""

    shot: Shot
    png: bytes | None = None
    box: dict[str, float] | None = None
    clip: dict[str, float] | None = None
    error: str | None = None


def clip_around(box: dict[str, float]) -> dict[str, float]:
    """The part of the page shown: the full width, MARGIN above and below the element, at most MAX_HEIGHT."""
    page_w = max(float(box["page_width"]), 1.0)
    page_h = max(float(box["page_height"]), 1.0)
    top = float(max(0, int(box["y"] - MARGIN)))
    bottom = float(int(min(page_h, box["y"] + box["height"] + MARGIN, top + MAX_HEIGHT)))
    width = float(int(min(page_w, max(VIEWPORT["width"], box["x"] + box["width"] + OUTLINE_PX))))
    return {"x": 0.0, "y": top, "width": max(width, 1.0), "height": max(bottom - top, 1.0)}


def _find(tab: Any, shot: Shot) -> dict[str, float] | str:
    found: dict[str, float] | str = "not_found"
    for needle in [shot.needle, *shot.fallback_needles]:
        found = tab.evaluate(FIND_JS, [shot.kind, needle or "", shot.selectors, MARK_ATTR])
        if isinstance(found, dict):
            return found
    return found


def take(shots: list[Shot], chromium: str | None, timeout_s: float) -> list[Picture]:
    """One picture (or an error) per shot, in order, one fresh tab each; images load (they are part of what
    an inspector sees), media and fonts do not."""
    from playwright.sync_api import Error, sync_playwright

    pictures: list[Picture] = []
    if not shots:
        return pictures
    options = " ".join(filter(None, (os.environ.get("NODE_OPTIONS"), DRIVER_NODE_OPTIONS)))
    with set_while_starting(NODE_OPTIONS=options):  # the driver starts here, with these; no other child does
        playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(**chromium_launch_options(chromium))
        context = browser.new_context(viewport=VIEWPORT, device_scale_factor=1, service_workers="block")
        context.route("**/*", lambda route: route.abort() if route.request.resource_type in ("media", "font")
                      else route.continue_())
        try:
            for shot in shots:
                picture = Picture(shot)
                if not shot.url.startswith(("http://", "https://")):  # crawled addresses only: no file:, data:
                    picture.error = "not_http"
                    pictures.append(picture)
                    continue
                tab = context.new_page()
                try:
                    response = tab.goto(shot.url, wait_until="domcontentloaded", timeout=timeout_s * 1000)
                    try:  # scripts drawing lists and late styles; a third-party script that never answers
                        tab.wait_for_load_state("load", timeout=timeout_s * 1000)  # does not cost the picture
                    except Error:
                        log.info("evidence page %s did not finish loading; shot taken as it is", shot.url)
                    found = _find(tab, shot)
                    if isinstance(found, str):
                        picture.error = found
                    else:
                        tab.add_style_tag(content=OUTLINE_CSS)
                        # the box again: the style tag or late layout may have moved it
                        box = tab.evaluate(f"""() => {{ const el = document.querySelector('[{MARK_ATTR}]');
                            const r = el.getBoundingClientRect();
                            return {{x: r.left + scrollX, y: r.top + scrollY, width: r.width, height: r.height,
                                    page_width: document.documentElement.scrollWidth,
                                    page_height: document.documentElement.scrollHeight}}; }}""")
                        tab.locator(f"[{MARK_ATTR}]").first.scroll_into_view_if_needed(timeout=timeout_s * 1000)
                        clip = clip_around(box)
                        picture.png = tab.screenshot(type="png", clip=clip, full_page=True,
                                                     timeout=timeout_s * 1000, animations="disabled")
                        picture.box = {k: round(float(box[k]), 1) for k in ("x", "y", "width", "height")}
                        picture.clip = {k: round(float(v), 1) for k, v in clip.items()}
                        if response is not None and response.status >= 400 and shot.kind != "link":
                            log.info("evidence page %s answered %s", shot.url, response.status)
                except Error as exc:
                    picture.error = str(exc).splitlines()[0][:200]
                finally:
                    tab.close()
                if picture.error:
                    log.warning("evidence picture of %s (%s) not taken: %s", shot.url, shot.key, picture.error)
                pictures.append(picture)
        finally:
            browser.close()
    finally:
        playwright.stop()
    return pictures
