"""Every finding code: its name, default severity, one-line help and the long help of `explain`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from vaultkit.model import Severity


class Rule(NamedTuple):
    code: str
    name: str
    severity: Severity
    summary: str
    what: str
    why: str
    example: str
    fix: str
    fixable: bool = False

    def explain(self) -> str:
        return "\n".join(
            [
                f"{self.code} ({self.name}) — default severity: {self.severity}"
                + (", fixable with --fix" if self.fixable else ""),
                "",
                "What it does",
                f"  {self.what}",
                "",
                "Why is this bad?",
                f"  {self.why}",
                "",
                "Example",
                *(f"  {line}" for line in self.example.splitlines()),
                "",
                "How to fix it",
                f"  {self.fix}",
            ]
        )


_RULES = [
    Rule(
        "FM001",
        "frontmatter-syntax",
        "error",
        "frontmatter that is not valid YAML, or a `---` block never closed",
        "Finds a frontmatter block that YAML cannot read, or an opening `---` with no closing `---`; "
        "the finding points at the position of the YAML error.",
        "Obsidian, Digital Garden and every other tool silently drop properties they cannot parse, "
        "so a note can stop being published or lose its tags without any visible error.",
        "---\ntitle: Notes: draft      # a second ': ' in a plain value is not allowed\n---",
        'Quote the value (`title: "Notes: draft"`), or add the closing `---` line.',
    ),
    Rule(
        "FM002",
        "frontmatter-not-mapping",
        "error",
        "frontmatter whose top level is not a mapping",
        "Finds frontmatter that parses as YAML but is a list or a single value instead of `key: value` pairs.",
        "Properties are read by key; a list or a plain string at the top level gives a note no properties at all.",
        "---\n- dg-publish\n- true\n---",
        "Write the properties as `key: value` lines: `dg-publish: true`.",
    ),
    Rule(
        "FM003",
        "duplicate-key",
        "error",
        "a frontmatter key given twice",
        "Finds a key that appears more than once in the same frontmatter mapping.",
        "YAML loaders silently keep the last value, so the first one — often the one you edited — is ignored.",
        "---\ntags: [draft]\ntitle: Plan\ntags: [final]\n---",
        "Keep one of the two keys and merge their values.",
    ),
    Rule(
        "FM004",
        "frontmatter-schema",
        "error",
        "a frontmatter value that breaks the schema of a `frontmatter` check",
        "Validates the frontmatter of the notes a `kind: frontmatter` check covers against its JSON Schema "
        "(type, required, enum, pattern, ...).",
        "Publishing plug-ins and templates rely on exact types, as Obsidian reads them (YAML 1.2): "
        "`dg-publish: yes` is the text 'yes', not a boolean, and the note is silently not published.",
        "---\ndg-publish: yes    # schema: {type: boolean}; Obsidian reads the text 'yes'\n---",
        "Change the value to what the schema asks for (`dg-publish: true`), or change the schema in checks/.",
    ),
    Rule(
        "FM005",
        "permalink-mismatch",
        "error",
        "a permalink that does not match the note's path",
        "Compares the permalink key with the check's template, e.g. `/{path}/` for the note's path without `.md`.",
        "A permalink left behind after a rename publishes the note at its old address and breaks links "
        "from outside the garden.",
        "# notes/plan.md\n---\npermalink: /notes/old-plan/\n---",
        "Set the permalink to the template's value (`/notes/plan/`).",
    ),
    Rule(
        "FM006",
        "duplicate-permalink",
        "error",
        "two notes with the same permalink",
        "Finds notes whose permalinks are equal; each is reported and names the other.",
        "Two notes published at one address: the site keeps one of them and the other disappears.",
        "# a.md and b.md both have\npermalink: /plan/",
        "Give each note its own permalink (usually its path).",
    ),
    Rule(
        "LK001",
        "unresolved-link",
        "error",
        "a link or embed whose target does not exist",
        "Resolves every wikilink, embed and Markdown link the way Obsidian does (case- and Unicode-form-"
        "insensitive, `.md` optional, attachments with their extension) and reports those that lead nowhere, "
        "suggesting the nearest existing note.",
        "A broken link is a dead end for the reader and, in a published garden, a 404; it usually means "
        "a note was renamed or deleted outside Obsidian.",
        "See [[Project Plna]]      # the note is 'Project Plan.md'",
        "Correct the target (`[[Project Plan]]`), create the note, or list planned notes in the "
        "`ignore_targets` of a `links` check.",
    ),
    Rule(
        "LK002",
        "missing-heading",
        "error",
        "a `#Heading` that is not in the target note",
        "Checks the heading part of `[[note#Heading]]`, `[[#Heading]]` and nested `[[note#A#B]]` (B inside A's "
        "section) against the headings of the target note as Obsidian matches them: on both sides punctuation "
        "reads as spaces, runs of spaces as one, and case is ignored (`[[Note#What is it]]` reaches "
        "`## What is it?`). The message names the closest heading when there is a plausible one.",
        "The link opens the note at its top instead of the section it promises, usually after the heading was renamed.",
        "[[Plan#Budegt]]           # the heading is '## Budget'",
        "Use the heading as it is written now, or drop the `#...` part.",
    ),
    Rule(
        "LK003",
        "missing-block",
        "error",
        "a `#^block` id that is not in the target note",
        "Checks `[[note#^id]]` against the block ids (` ^id` at the end of a paragraph or list item) "
        "of the target note.",
        "Block references are how a garden quotes one paragraph; a missing id shows nothing or the whole note.",
        "[[Plan#^k3x9qa]]          # no paragraph ends with ^k3x9qa",
        "Point the link at an existing block id, or add ` ^k3x9qa` back to the paragraph.",
    ),
    Rule(
        "LK004",
        "self-link",
        "error",
        "a link that resolves to its own note and has no `#heading`/`#^block`",
        "Finds links that lead back to the note they are in without pointing at a part of it.",
        "A self-link is a no-op for the reader and is usually left over from a template, a copy or an "
        "export that turned a phrase into a link to the current page.",
        "# in 施工图.md\n[[政策/全国范围政策/施工图\\|绿色低碳生活]]",
        "`--fix` replaces the link by its display text (`绿色低碳生活`), or by its target exactly as written "
        "when it has none (`[[Instapaper]]` becomes `Instapaper`). A self-link that Obsidian chose over a "
        "same-named note elsewhere (`[[bookfusion]]` in `People/BookFusion.md` beside `Plugins/bookfusion.md`) "
        "is not fixed: the author most likely meant the other note, and the message says how to link it by path.",
        fixable=True,
    ),
    Rule(
        "LK005",
        "ambiguous-link",
        "warning",
        "several notes tie for the target",
        "Finds links whose target names several files where neither a path from the vault root nor the "
        "linking note's own folder decides, so Obsidian opens the one with the shortest path; the message "
        "names it and the others (for paths of equal length, vaultkit's guess: the first by code point).",
        "Which note opens depends on the lengths of paths the user never sees, and a new or renamed note can "
        "silently change it.",
        "[[index]]                 # Projects/index.md and Areas/index.md",
        "Qualify the link with a folder: `[[Projects/index]]`.",
    ),
    Rule(
        "LK006",
        "link-outside-vault",
        "error",
        "a relative link that climbs out of the vault root",
        "Finds `./` and `../` links whose path leaves the vault; vaultkit never reads outside the vault.",
        "Nothing outside the vault is published or synced, so the link is broken for every reader but you.",
        "[passwords](../../../etc/passwd)",
        "Move the file into the vault and link to it there.",
    ),
    Rule(
        "LK007",
        "unpublished-target",
        "warning",
        "a published note linking to an existing note that is not published",
        "Finds links from notes with `dg-publish: true` (the `publish_key` of a `links` check) to notes without it.",
        "The published page shows a link that leads to a page that is not on the site.",
        "# published.md (dg-publish: true)\n[[private draft]]   # dg-publish is false or missing",
        "Publish the target note, or unlink it in the published note.",
    ),
    Rule(
        "OL001",
        "section-sequence",
        "error",
        "a section ordinal that is not the next expected one",
        "For notes an `outline` check covers, reads the section markers (e.g. `==#一是…==`) and expects "
        "each ordinal to be the previous one plus one; a gap, repeat or disorder gives one finding.",
        "Structured notes (policies, standards, books) are cited by their numbers; a slipped number "
        "makes every citation after it wrong.",
        "==#四是…==\n==#六是…==       # 五 expected",
        "`--fix` renumbers the sections in sequence.",
        fixable=True,
    ),
    Rule(
        "OL002",
        "item-sequence",
        "error",
        "an item number that is not the next expected one",
        "Reads the numbered items (e.g. `7.` at the start of a line) and expects each number to be the "
        "previous one plus one, across sections or restarting in each (per the check's `numbering`).",
        "A deleted or duplicated task shifts the numbering that other documents quote.",
        "6.…\n8.…                 # 7 expected",
        "`--fix` renumbers the items in sequence.",
        fixable=True,
    ),
    Rule(
        "OL003",
        "empty-section",
        "error",
        "a section with no items",
        "Finds a section marker followed directly by the next marker (or the end of the note) with no "
        "numbered item in between.",
        "An empty section usually means its items were cut and pasted under another heading.",
        "==#三是…==\n==#四是…==",
        "Add the section's items back, or remove the section.",
    ),
    Rule(
        "OL004",
        "count-mismatch",
        "error",
        "counts promised by the title differ from the sections/items present",
        "Reads the counts the title promises (e.g. `10方面31项` — ten sections, 31 items, in Arabic or "
        "Chinese numerals) and compares them with what the note holds.",
        "The title is what readers quote; it must agree with the body.",
        "# 10方面31项重点任务… holding 30 items",
        "Restore the missing item, or correct the title.",
    ),
    Rule(
        "OL005",
        "item-outside-section",
        "error",
        "an item before the first section marker",
        "Finds a numbered item that appears before any section marker; it still takes its place in the numbering.",
        "An item outside every section belongs to no heading, so the outline no longer matches the document.",
        "1.…\n==#一是…==",
        "Move the item under its section.",
    ),
    Rule(
        "SY001",
        "sync-conflict-copy",
        "warning",
        "a conflict copy left by sync still in the vault",
        "Finds files named `<name>.conflict-<YYYYmmdd-HHMMSS>.md`, the other side's version that sync "
        "keeps beside your file when both changed the same lines.",
        "Until the two versions are merged by hand, one of them is not what readers see.",
        "笔记.md\n笔记.conflict-20261124-101500.md",
        "Merge what you need from the conflict copy into the note, then delete the copy.",
    ),
    Rule(
        "VK001",
        "unreadable-note",
        "error",
        "a note that is not valid UTF-8 or not text",
        "Reports `.md` files that are binary, hold NUL bytes, are not valid UTF-8, or cannot be read "
        "(with the operating system's reason); the run goes on.",
        "Obsidian shows such files garbled or not at all, and every other check skips them.",
        "notes/scan.md        # a PDF renamed to .md",
        "Re-save the note as UTF-8, or give a binary file its real extension.",
    ),
    Rule(
        "VK002",
        "unused-suppression",
        "warning",
        "a suppression comment that suppressed nothing",
        "Finds `vaultkit-disable` comments and frontmatter entries that did not silence any finding.",
        "A stale suppression hides the next real problem at that place.",
        "<!-- vaultkit-disable-next-line LK001 -->\nA line without links.",
        "Remove the comment.",
    ),
    Rule(
        "VK003",
        "skipped-file",
        "warning",
        "a file that was not checked",
        "Reports notes over `max_note_size` (indexed by name only), FIFOs, sockets and devices named `.md`, "
        "and symlinks that leave the vault or loop.",
        "A skipped file is not checked; you should know which files vaultkit did not look at.",
        "archive/huge-export.md   # 60 MB",
        "Split the note, raise `max_note_size`, or exclude the path.",
    ),
    Rule(
        "VK004",
        "name-clash",
        "warning",
        "two files whose paths are equal up to case or Unicode normalization (NFC/NFD)",
        "Finds files whose paths differ only in upper and lower case (`Note.md`, `note.md`) or only in how "
        "Unicode writes the same letters (`café.md` composed as NFC and decomposed as NFD, which look the "
        "same); each is reported and names the other. Folders count too (`Projects/a.md`, `projects/a.md`).",
        "macOS and Windows cannot hold both files: when the vault is synced or checked out there, one "
        "overwrites the other. Obsidian compares link targets in exactly this folded form, so `[[Note]]` "
        "cannot tell the two apart. Such twins usually come from two devices saving the same note "
        "(a Mac writes NFD names, Linux and Windows NFC), or from a rename that changed only the case.",
        "Note.md\nnote.md          # the same name in another case\ncaf\u00e9.md\ncafe\u0301.md          "
        "# é as one code point (NFC), then as e + accent (NFD): they look the same",
        "Merge the two files into one (keep what you need from each), or rename one of them so the names "
        "differ in more than case or Unicode form; then sync, so every device gets the change.",
    ),
]

RULES: dict[str, Rule] = {rule.code: rule for rule in _RULES}
BY_NAME: dict[str, Rule] = {rule.name: rule for rule in _RULES}


class UnknownCode(ValueError):
    """A selector that names no code, prefix or name."""


def codes_of(selectors: str | Iterable[str]) -> set[str]:
    """The codes a selection names (a comma-separated string or a list); UnknownCode for the first
    selector that names nothing."""
    codes, unknown = expand_codes(selectors.split(",") if isinstance(selectors, str) else list(selectors))
    if unknown:
        raise UnknownCode(unknown[0])
    return codes


def expand_codes(selectors: list[str] | tuple[str, ...]) -> tuple[set[str], list[str]]:
    """Turn codes, prefixes (`LK`) and names (`self-link`) into codes; also return the unknown selectors."""
    codes: set[str] = set()
    unknown: list[str] = []
    for raw in selectors:
        selector = raw.strip()
        if not selector:
            continue
        upper = selector.upper()
        matched = {code for code in RULES if code.startswith(upper)}
        if selector.lower() in BY_NAME:
            matched.add(BY_NAME[selector.lower()].code)
        if matched:
            codes |= matched
        else:
            unknown.append(selector)
    return codes, unknown
