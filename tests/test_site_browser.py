"""The built website in a real browser (Debian's chromium, driven by playwright), with every other host unreachable.

Every page is served from `_build/html` on 127.0.0.1 and loaded; a page fails on any request to another host, any
console error, math that MathJax left as TeX, an image that does not load or has no alternative text. On a chapter
with an explorer, moving a slider must change the figure. `make test` builds the website first (`make book`).
"""

import functools
import http.server
import re
import shutil
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import sync_playwright

HTML = Path(__file__).resolve().parent.parent / "_build" / "html"
PAGES = sorted(p.relative_to(HTML).as_posix() for p in HTML.rglob("*.html") if "_static" not in p.parts)
CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",  # every other host is unreachable
]
# Text that MathJax should have typeset: a TeX command, or math delimiters, outside code.
RAW_TEX = re.compile(r"\\[a-zA-Z]+|\$\$|\\\(|\\\[")
LEFTOVER_TEX = """() => {
  const root = document.querySelector("main") || document.body;
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
    acceptNode: (node) => node.parentElement.closest("pre, code, script, style, mjx-container")
      ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT,
  });
  const texts = [];
  while (walker.nextNode()) texts.push(walker.currentNode.textContent);
  return texts;
}"""


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site():
    if not PAGES:
        pytest.fail("the website is not built: run `make book` (make test does it first)")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=HTML))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: `apt-get install chromium` (.ci/run installs it)")
    with sync_playwright() as playwright:
        # playwright starts it headless, without sandbox (we are root in CI) and with a fresh profile.
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


def open_page(browser, site, path):
    """Load ``path``; return the page and the list of problems seen while loading it."""
    problems = []
    page = browser.new_page()
    host = urlsplit(site).netloc

    def route(route):
        if urlsplit(route.request.url).netloc == host:
            route.continue_()
        else:
            problems.append(f"request to another host: {route.request.url}")
            route.abort()

    page.route("**/*", route)
    page.on("console", lambda msg: msg.type == "error" and problems.append(f"console error: {msg.text}"))
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on("requestfailed", lambda request: problems.append(f"failed to load {request.url}"))
    page.on("response", lambda reply: reply.status >= 400 and problems.append(f"{reply.status} {reply.url}"))
    page.goto(f"{site}/{path}", wait_until="networkidle")  # and past a redirect (index.html)
    if page.evaluate("() => 'MathJax' in window"):
        page.wait_for_function("() => window.MathJax.startup && window.MathJax.startup.promise")
        page.evaluate("() => window.MathJax.startup.promise")
    return page, problems


@pytest.mark.parametrize("path", PAGES)
def test_page_is_self_contained_and_renders(browser, site, path):
    page, problems = open_page(browser, site, path)
    assert page.locator(".math").count() == page.locator(".math:has(mjx-container)").count(), "math not typeset"
    leftover = [t.strip() for t in page.evaluate(LEFTOVER_TEX) if RAW_TEX.search(t)]
    assert not leftover, f"raw TeX in the page: {leftover[:3]}"
    images = page.evaluate(
        "() => Array.from(document.images, (img) => ({src: img.src.slice(0, 80), ok: img.complete && "
        "img.naturalWidth > 0, alt: img.alt.trim()}))"
    )
    assert all(image["ok"] for image in images), [image["src"] for image in images if not image["ok"]]
    assert all(image["alt"] for image in images), [image["src"] for image in images if not image["alt"]]
    assert not problems, problems
    page.close()


def test_search_finds_a_word(browser, site):
    page, problems = open_page(browser, site, "search.html?q=entropy")
    page.wait_for_selector("#search-results li", timeout=10_000)
    assert not problems, problems
    page.close()


def test_explorer_responds_to_its_slider_without_a_kernel(browser, site):
    chapters = [p for p in PAGES if p.startswith("chapters/") and "lossbook-explorer" in (HTML / p).read_text()]
    assert chapters, "no chapter page has an explorer"
    page, problems = open_page(browser, site, chapters[0])
    explorer = page.locator(".lossbook-explorer").first
    slider, image, label = explorer.locator("input").first, explorer.locator("img"), explorer.locator("output").first
    before = image.get_attribute("src"), label.text_content()
    at_end = slider.get_attribute("value") == slider.get_attribute("max")
    slider.focus()
    slider.press("ArrowLeft" if at_end else "ArrowRight")
    after = image.get_attribute("src"), label.text_content()
    assert after[0] != before[0], "the figure did not change"
    assert after[1] != before[1], "the slider's label did not change"
    assert not problems, problems
    page.close()
