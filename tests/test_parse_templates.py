"""parse/templates.py: a template's placeholders read as plain strings, every position kept."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from vaultkit.parse import parse_text
from vaultkit.parse.templates import has_placeholder, mask, unmask

PLACEHOLDERS = st.sampled_from(
    ["{{date}}", "{{title}}", "{{date:YYYY-MM-DD}}", "<% tp.file.title %>", '<% tp.system.prompt("Name: ") %>']
)
TEXT = st.text(alphabet="ab 中文:-,[]{}'\"#", max_size=8)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(TEXT, PLACEHOLDERS), min_size=1, max_size=5), TEXT)
@example(pieces=[("{{", "{{date}}")], tail="}}")  # found once: the outer braces became a placeholder too
def test_mask_keeps_length_and_lines_and_unmask_gives_every_placeholder_back(
    pieces: list[tuple[str, str]], tail: str
) -> None:
    source = "".join(text + placeholder for text, placeholder in pieces) + tail
    masked = mask(source)
    assert masked is not None
    stood_in, placeholders = masked
    assert len(stood_in) == len(source) and stood_in.count("\n") == source.count("\n")
    assert not has_placeholder(stood_in)
    assert unmask(stood_in, placeholders) == source


def test_nothing_to_mask() -> None:
    assert mask("title: plain\n") is None
    assert mask("icon: \ue001 {{x}}\n") is None  # private-use characters of its own: read as written


def test_template_frontmatter_holds_the_placeholders_as_strings() -> None:
    text = (
        "---\n"
        "created: {{date}}\n"
        "title: {{title}}\n"
        'asked: <% tp.system.prompt("Name: ") %>\n'
        "tags: [日记, {{date:YYYY}}]\n"
        "{{key}}: value\n"
        "---\n"
        "# {{title}}\n"
        "[[{{date}}]] [[real note]] [[x#{{title}}]]\n"
    )
    note = parse_text("模板/t.md", text, template=True)
    assert note.problems == ()
    assert note.frontmatter == {
        "created": "{{date}}",
        "title": "{{title}}",
        "asked": '<% tp.system.prompt("Name: ") %>',
        "tags": ["日记", "{{date:YYYY}}"],
        "{{key}}": "value",
    }
    assert [key for key, _, _ in note.frontmatter_keys] == ["created", "title", "asked", "tags", "{{key}}"]
    assert [link.target for link in note.links] == ["real note"]
    plain = parse_text("t.md", text)  # the same text in a note that is no template
    assert [problem.code for problem in plain.problems] == ["FM001"]
    assert [link.target for link in plain.links] == ["{{date}}", "real note", "x"]


def test_a_yaml_error_in_a_template_is_positioned_in_the_note() -> None:
    note = parse_text("t.md", "---\ncreated: {{date}}\ntags: [unclosed\n---\n", template=True)
    assert [(p.code, p.span.line) for p in note.problems] == [("FM001", 4)]
    assert "\ue000" not in note.problems[0].message
