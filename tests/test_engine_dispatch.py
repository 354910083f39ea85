"""engine/dispatch.py: which definition checks which note; templates only where `paths` name them."""

from __future__ import annotations

from vaultkit.engine.dispatch import names_templates
from vaultkit.globs import compile_globs
from vaultkit.kinds.base import CheckDef


def check(*paths: str) -> CheckDef:
    return CheckDef("frontmatter", "c", paths, "", None, "test", compile_globs(paths))


def test_a_definition_names_templates_by_a_glob_inside_their_folder() -> None:
    templates = ("/Templates/**",)
    note = "Templates/Daily/日报.md"
    assert not names_templates(check("**/*.md"), note, templates)  # everything: not a name for templates
    assert not names_templates(check("*.md", "Daily/**"), note, templates)
    assert names_templates(check("Templates/**"), note, templates)
    assert names_templates(check("Templates/Daily/*.md"), note, templates)
    assert names_templates(check("/Templates/**"), note, templates)
    assert not names_templates(check("Templates/Weekly/*.md"), note, templates)  # names others, not this one


def test_a_template_glob_without_a_folder_is_named_only_by_itself() -> None:
    templates = ("**/*.template.md",)
    assert names_templates(check("**/*.template.md"), "a/x.template.md", templates)
    assert not names_templates(check("a/**"), "a/x.template.md", templates)
