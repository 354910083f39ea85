"""`kind: links` — LK001–LK007. Built in: runs on every note, a definition only tunes it."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, NamedTuple
from urllib.parse import quote

from vaultkit.globs import GlobError, Globs, compile_globs
from vaultkit.kinds.base import CheckDef
from vaultkit.model import ConfigError, Edit, Finding, Fix, Link, Note, is_note, shorten, strip_md
from vaultkit.resolve import FOLDER, GUESS, PATH, SHORTEST, Resolution, VaultIndex, fold
from vaultkit.suggest import closest_heading, suggestion


class LinkParams(NamedTuple):
    ignore_targets: tuple[str, ...] = ()
    publish_key: str = "dg-publish"
    embeds: bool = True

    @property
    def ignore_regex(self) -> Globs | None:
        return compile_globs(self.ignore_targets)


class LinksKind:
    name: str = "links"
    codes: tuple[str, ...] = ("LK001", "LK002", "LK003", "LK004", "LK005", "LK006", "LK007")
    keys: tuple[str, ...] = ("ignore_targets", "publish_key", "embeds")
    exclusive = True
    needs_text = False
    checks_templates = True
    default: CheckDef | None = CheckDef("links", "links", ("**",), "built-in link checks", LinkParams(), "built-in")

    def parse(self, raw: dict[str, Any], source: str) -> LinkParams:
        """The parameters, already checked against the configuration schema (`$defs/linksKind`)."""
        ignore = raw.get("ignore_targets", [])
        ignore = [ignore] if isinstance(ignore, str) else ignore
        try:  # what a schema cannot say: each one is a glob
            compile_globs(ignore)
        except GlobError as error:
            raise ConfigError(f"{source}: key 'ignore_targets': {error}") from None
        return LinkParams(tuple(ignore), raw.get("publish_key", "dg-publish"), raw.get("embeds", True))

    def needs(self, check: CheckDef, vault: VaultIndex, notes: Sequence[Note]) -> Iterator[str]:
        """The targets whose headings, block ids or publish flag a link's findings depend on."""
        params: LinkParams = check.params
        for note in notes:
            published = _published(note, params)
            for link in note.links:
                if link.anchor or published:
                    found = vault.resolve(link.target, note.path).path
                    if found is not None and found != note.path and is_note(found):
                        yield found

    def run(self, check: CheckDef, vault: VaultIndex, notes: Sequence[Note]) -> Iterator[Finding]:
        params: LinkParams = check.params
        ignore = params.ignore_regex
        resolve = vault.resolve
        for note in notes:
            published = _published(note, params)
            path = note.path
            for link in note.links:
                if link.embed and not params.embeds:
                    continue
                if ignore is not None and link.target and _ignored(ignore, link.target):
                    continue
                leads_to = resolve(link.target, path)
                if not (link.anchor or published or leads_to.ties) and leads_to.path not in (None, path):
                    continue  # the common case: it leads to another file, nothing more to check
                yield from _check_link(note, link, vault, params, published)


def _published(note: Note, params: LinkParams) -> bool:
    return bool(note.frontmatter and note.frontmatter.get(params.publish_key) is True)


def _ignored(ignore: Globs, target: str) -> bool:
    return any(ignore.matches(candidate) for candidate in (target, target + ".md", fold(target)))


def _check_link(note: Note, link: Link, vault: VaultIndex, params: LinkParams, published: bool) -> Iterator[Finding]:
    resolution = vault.resolve(link.target, note.path)
    if resolution.outside:
        yield Finding(note.path, link.span, "LK006", f"link leaves the vault root: {shorten(link.target)}")
        return
    if resolution.path is None:
        yield Finding(note.path, link.span, "LK001", _unresolved_message(link, vault))
        return
    if resolution.ties:
        yield Finding(note.path, link.span, "LK005", _ambiguous_message(link, resolution))
    target_note = vault.notes.get(resolution.path)
    if resolution.path == note.path and not link.anchor and link.target:
        yield _self_link(note, link, resolution)
    if target_note is None or not link.anchor:
        if target_note is not None and published and resolution.path != note.path:
            yield from _unpublished(note, link, target_note, params)
        return
    if target_note.problems and any(problem.code in ("VK001", "VK003") for problem in target_note.problems):
        return  # the target could not be read, so its headings are unknown
    where = f"[[{target_note.name}]]" if link.target else "this note"
    if link.anchor.startswith("^"):
        if not vault.has_block(target_note, link.anchor[1:]):
            yield Finding(note.path, link.span, "LK003", f"block '{shorten(link.anchor)}' not found in {where}")
    elif not vault.has_heading(target_note, link.anchor):
        message = f"heading '{shorten(link.anchor)}' not found in {where}"
        closest = closest_heading(vault, target_note, link.anchor)
        if closest is not None:
            message += f"; did you mean '#{shorten(closest)}'?"
        yield Finding(note.path, link.span, "LK002", message)
    if published and resolution.path != note.path:
        yield from _unpublished(note, link, target_note, params)


def _unpublished(note: Note, link: Link, target: Note, params: LinkParams) -> Iterator[Finding]:
    if not _published(target, params):
        yield Finding(
            note.path,
            link.span,
            "LK007",
            f"published note links to '{target.path}', which is not published ({params.publish_key} is not true)",
        )


def _unresolved_message(link: Link, vault: VaultIndex) -> str:
    kind = "note" if not link.target.lower().endswith(tuple(_ATTACHMENT_SUFFIXES)) else "file"
    message = f"unresolved link: no {kind} named '{shorten(link.target)}'"
    alias_of = vault.alias_target(link.target)
    if alias_of is not None:
        return f"{message}; it is an alias of [[{alias_of}]], and aliases do not resolve links"
    nearest = suggestion(link.target, vault)
    if nearest is not None:
        return f"{message}; did you mean [[{nearest}]]?"
    return message


_ATTACHMENT_SUFFIXES = (
    ".png",
    ".jpg",
    ".jpeg",
    ".gif",
    ".bmp",
    ".svg",
    ".webp",
    ".avif",
    ".pdf",
    ".mp3",
    ".wav",
    ".m4a",
    ".ogg",
    ".flac",
    ".mp4",
    ".webm",
    ".mov",
    ".mkv",
    ".canvas",
    ".base",
)


def _ambiguous_message(link: Link, resolution: Resolution) -> str:
    others = ", ".join(f"'{path}'" for path in resolution.ties)
    opens = f"Obsidian opens '{resolution.path}'"
    if resolution.rule == GUESS:
        guess = "(paths of equal length: vaultkit guesses the first by code point)"
        return f"ambiguous link '{shorten(link.target)}': {opens}; it also matches {others} {guess}"
    return f"ambiguous link '{shorten(link.target)}': {opens}, the shortest path; it also matches {others}"


_CHOSEN_FOR = {
    PATH: "because its path is the link's target",
    FOLDER: "for being in the same folder",
    SHORTEST: "as the shortest path",
    GUESS: "as the first of the shortest paths",
}


def _self_link(note: Note, link: Link, resolution: Resolution) -> Finding:
    """LK004. Its fix writes the link's text as the reader sees it: the display text, else the target
    exactly as written. A self-link chosen over a same-named note elsewhere is not fixed: the author most
    likely meant that note, and the finding says how to link it."""
    if resolution.others:
        other = resolution.others[0]
        named = ", ".join(f"'{path}'" for path in resolution.others)
        shown = link.alias if link.alias else link.target
        by_path = f"[{shown}]({quote(other)})" if _is_markdown(link) else f"[[{strip_md(other)}|{shown}]]"
        message = (
            f"link to the note itself, chosen over {named} {_CHOSEN_FOR[resolution.rule]}; "
            f"not fixed: if that note is meant, link it by path: {shorten(by_path)}"
        )
        return Finding(note.path, link.span, "LK004", message)
    fix = None
    if not link.embed:
        text = link.alias if link.alias else link.target
        fix = Fix(f"replace the self-link by its text '{text}'", (Edit(link.span, text, link.raw),))
    return Finding(note.path, link.span, "LK004", "link to the note itself", fix=fix)


def _is_markdown(link: Link) -> bool:
    return not link.raw.lstrip("!").startswith("[[")
