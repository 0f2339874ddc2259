"""The back matter keeps up with the chapters: every correction to the sources is listed on the corrections page,
and every citation in the book resolves to an entry of `references.bib`.

The corrections page (`corrections.md`) lists one entry per admonition, as a list item that starts with a link to
the chapter, ``- {doc}`chapters/NN_name` ``: under "## Corrections" one per box titled "Correction to the source",
under "## Claims checked" one per box whose title ends in ", checked". A chapter that gains or loses such a box
fails here until the page follows.
"""

import fnmatch
import json
import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
# The book's own pages: the root's markdown files that the book does not exclude (README, CONTRIBUTING, licences).
EXCLUDED = yaml.safe_load((ROOT / "_config.yml").read_text()).get("exclude_patterns", [])
PAGES = sorted(p for p in ROOT.glob("*.md") if not any(fnmatch.fnmatch(p.name, pat) for pat in EXCLUDED))
CORRECTIONS = ROOT / "corrections.md"

# ```{admonition} Title  (backtick or colon fences of any length)
ADMONITION = re.compile(r"^[ \t]*(?:`{3,}|:{3,})\{admonition\}[ \t]*(.*?)[ \t]*$", re.MULTILINE)
ENTRY = re.compile(r"^- \{doc\}`chapters/([\w-]+)`", re.MULTILINE)
CITE = re.compile(r"\{cite(?::[a-z]+)?\}`([^`]*)`")
BIB_KEY = re.compile(r"^@\w+\s*\{\s*([^,\s]+)\s*,", re.MULTILINE)


def markdown_of(path):
    """The markdown text of a chapter notebook (all its markdown cells) or of a page."""
    if path.suffix == ".md":
        return path.read_text()
    cells = json.loads(path.read_text())["cells"]
    return "\n\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")


def admonition_counts(title_matches):
    """Per chapter (file stem), how many admonitions have a title for which ``title_matches`` is true."""
    counts = Counter()
    for path in CHAPTERS:
        for title in ADMONITION.findall(markdown_of(path)):
            if title_matches(title):
                counts[path.stem] += 1
    return counts


def page_section(heading):
    """The text of a ``## heading`` section of the corrections page, up to the next ``## ``."""
    text = CORRECTIONS.read_text()
    match = re.search(rf"^## {re.escape(heading)}[ \t]*\n(.*?)(?=^## |\Z)", text, re.MULTILINE | re.DOTALL)
    assert match, f"corrections.md has no section '## {heading}'"
    return match.group(1)


def test_every_correction_to_the_source_is_on_the_corrections_page():
    in_chapters = admonition_counts(lambda title: title == "Correction to the source")
    on_page = Counter(ENTRY.findall(page_section("Corrections")))
    assert sum(in_chapters.values()) > 0, "no 'Correction to the source' admonition found: is the pattern stale?"
    assert on_page == in_chapters, (
        "corrections.md must list one entry per 'Correction to the source' box "
        "(chapter: boxes in the chapter / entries on the page): "
        + ", ".join(f"{c}: {in_chapters[c]}/{on_page[c]}" for c in sorted(set(in_chapters) | set(on_page))
                    if in_chapters[c] != on_page[c])
    )


def test_every_checked_summary_is_on_the_corrections_page():
    in_chapters = admonition_counts(lambda title: title.endswith(", checked"))
    on_page = Counter(ENTRY.findall(page_section("Claims checked")))
    assert on_page == in_chapters, (
        "corrections.md must list one entry per '..., checked' box (chapter: boxes / entries): "
        + ", ".join(f"{c}: {in_chapters[c]}/{on_page[c]}" for c in sorted(set(in_chapters) | set(on_page))
                    if in_chapters[c] != on_page[c])
    )


@pytest.mark.parametrize("page", ["corrections.md", "notation.md"])
def test_back_matter_links_point_to_existing_chapters(page):
    text = (ROOT / page).read_text()
    linked = set(re.findall(r"\{doc\}`(?:[^`<]*<)?(chapters/[\w-]+)>?`", text))
    assert linked, f"{page} links no chapter"
    missing = sorted(f for f in linked if not (ROOT / f).with_suffix(".ipynb").exists())
    assert not missing, f"{page} links chapters that do not exist: {missing}"


def bibliography_keys():
    return set(BIB_KEY.findall((ROOT / "references.bib").read_text()))


def test_bibliography_parses():
    keys = bibliography_keys()
    assert len(keys) > 10 and all(re.fullmatch(r"[\w:.-]+", k) for k in keys)


@pytest.mark.parametrize("path", CHAPTERS + PAGES, ids=lambda p: p.name)
def test_every_cited_key_is_in_the_bibliography(path):
    cited = {key.strip() for group in CITE.findall(markdown_of(path)) for key in group.split(",") if key.strip()}
    missing = sorted(cited - bibliography_keys())
    assert not missing, f"{path.name} cites keys that references.bib lacks: {missing}"
