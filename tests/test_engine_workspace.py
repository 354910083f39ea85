"""The incremental workspace that check and watch share: refreshed by paths, it equals a fresh check."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

from vaultkit.config import Selection, load_config
from vaultkit.engine import Workspace, check_vault

from conftest import with_checks, write_vault


def report(workspace: Workspace) -> list[tuple[str, int, int, str]]:
    every = set(workspace.files.notes)
    found = workspace.report(every, Selection())
    fresh = check_vault(workspace.config, use_cache=False).findings
    assert found == fresh  # incremental answers equal a check from scratch
    return [(f.path, f.span.line, f.span.column, f.code) for f in found]


def test_refresh_by_paths(tmp_path: Path) -> None:
    root = write_vault(tmp_path / "v", {"a.md": "[[b#H]] [[c]]\n", "b.md": "# H\n"})
    workspace = Workspace(load_config(vault=root), use_cache=False, tracking=True)
    workspace.refresh()
    assert report(workspace) == [("a.md", 1, 9, "LK001")]

    (root / "b.md").write_text("# Other\n", encoding="utf-8")
    assert workspace.refresh(["b.md"]) == {"a.md", "b.md"}
    assert report(workspace) == [("a.md", 1, 1, "LK002"), ("a.md", 1, 9, "LK001")]

    (root / "c.md").write_text("", encoding="utf-8")
    assert "a.md" in workspace.refresh(["c.md"])
    assert report(workspace) == [("a.md", 1, 1, "LK002")]

    (root / "b.md").unlink()
    workspace.refresh(["b.md"])
    assert report(workspace) == [("a.md", 1, 1, "LK001")]

    moved = write_vault(tmp_path / "outside" / "sub", {"b.md": "# H\n", "deep/x.md": "[[nowhere]]"})
    shutil.move(moved, root / "sub")
    workspace.refresh(["sub"])
    assert report(workspace) == [("sub/deep/x.md", 1, 1, "LK001")]

    shutil.rmtree(root / "sub")
    workspace.refresh(["sub"])
    assert report(workspace) == [("a.md", 1, 1, "LK001")]


def test_unchanged_refresh_recomputes_nothing(tmp_path: Path) -> None:
    root = write_vault(tmp_path / "v", {"a.md": "[[b]]\n", "b.md": ""})
    workspace = Workspace(load_config(vault=root), use_cache=False, tracking=True)
    workspace.refresh()
    report(workspace)
    assert workspace.refresh(["a.md"]) == set()  # read again, same bytes: nothing to do


def followed(root: Path) -> Workspace:
    """A workspace as watch keeps it: checked once, then following changes one at a time."""
    workspace = Workspace(load_config(vault=root), use_cache=False, tracking=True)
    workspace.refresh()
    report(workspace)
    workspace.follow()
    return workspace


def test_a_folder_an_event_names_is_looked_at_not_dropped(tmp_path: Path) -> None:
    root = write_vault(tmp_path / "v", {"Notes/a.md": "[[missing one]]\n", "Notes/b.md": "[[missing two]]\n"})
    workspace = followed(root)
    with open(root / "Notes" / "b.md", "a", encoding="utf-8") as handle:
        handle.write("more\n")
    refreshed = workspace.refresh_paths(["Notes", "Notes/b.md"])  # the folder's own event came along
    assert (refreshed.invalid, refreshed.added, refreshed.removed) == ({"Notes/b.md"}, set(), set())
    assert report(workspace) == [("Notes/a.md", 1, 1, "LK001"), ("Notes/b.md", 1, 1, "LK001")]


def test_a_refresh_rechecks_only_the_notes_a_change_can_affect(tmp_path: Path) -> None:
    notes = {
        "hub.md": "# Hub\n",
        "one/a.md": "[[hub]]\n",
        "one/two/b.md": "[[hub#Hub]]\n",
        "one/two/three/c.md": "[[hubb]]\n",  # unresolved: did you mean [[hub]]?
        "box/x.md": "[[y]]\n",
        "box/y.md": "[[x]]\n",
        "far/by-name.md": "[[x]] [[y]]\n",
        "far/by-path.md": "[[box/x]]\n",
        "far/other.md": "[[a]]\n",
    }
    root = write_vault(tmp_path / "v", notes)
    workspace = followed(root)

    (root / "one/two/three/c.md").write_text("[[hubb]] [[a]]\n", encoding="utf-8")
    assert workspace.refresh_paths(["one/two/three/c.md"]).invalid == {"one/two/three/c.md"}
    report(workspace)

    write_vault(root, {"new/folder/hubb.md": "# Hubb\n"})  # a name linked to, and one near another
    refreshed = workspace.refresh_paths(["new", "new/folder", "new/folder/hubb.md"])
    assert refreshed.invalid == {"new/folder/hubb.md", "one/two/three/c.md"}
    assert refreshed.added == {"new/folder/hubb.md"}
    report(workspace)

    (root / "box").rename(root / "crate")  # x and y keep their names (and findings): only links by path see it
    refreshed = workspace.refresh_paths(["box", "crate"])
    assert refreshed.invalid == {"far/by-path.md"}
    assert refreshed.added == {"crate/x.md", "crate/y.md"}
    assert refreshed.removed == {"box/x.md", "box/y.md"}
    assert report(workspace) == [("far/by-path.md", 1, 1, "LK001")]

    (root / "hub.md").unlink()
    assert workspace.refresh_paths(["hub.md"]).invalid == {"one/a.md", "one/two/b.md"}
    assert report(workspace) == [
        ("far/by-path.md", 1, 1, "LK001"),
        ("one/a.md", 1, 1, "LK001"),
        ("one/two/b.md", 1, 1, "LK001"),
    ]


def test_a_permalink_check_rechecks_the_notes_sharing_a_permalink_that_changed(tmp_path: Path) -> None:
    check = "kind: frontmatter\nname: pages\nschema: {}\npermalink: {key: permalink, template: '/{path}/'}\n"
    root = with_checks(tmp_path / "v", pages=check)
    write_vault(
        root,
        {
            "a.md": "---\npermalink: /x/\n---\n# A\n",
            "b.md": "---\npermalink: /x/\n---\n# B\n",
            "c.md": "---\npermalink: /c/\n---\n# C\n",
            "d.md": "# D\n",
        },
    )
    workspace = followed(root)
    (root / "a.md").write_text("---\npermalink: /x/\n---\n# A, renamed\n", encoding="utf-8")
    assert workspace.refresh_paths(["a.md"]).invalid == {"a.md"}  # its permalink is the same
    report(workspace)
    (root / "c.md").write_text("---\npermalink: /x/\n---\n# C\n", encoding="utf-8")
    assert workspace.refresh_paths(["c.md"]).invalid == {"a.md", "b.md", "c.md"}
    assert [code for *_, code in report(workspace)] == ["FM005", "FM006", "FM005", "FM006", "FM005", "FM006"]
    (root / "b.md").unlink()
    assert workspace.refresh_paths(["b.md"]).invalid == {"a.md", "c.md"}
    report(workspace)


def test_links_into_a_note_that_moved_follow_it(tmp_path: Path) -> None:
    """Found by seeds 100, 102 and 105 of the watch oracle: a note not checked again when the note it
    links to moved must still be checked again when that note's headings change later."""
    root = write_vault(tmp_path / "v", {"box/x.md": "# X\n## Sub\n", "far/by-name.md": "[[x#Sub]] [[x]]\n"})
    workspace = followed(root)
    (root / "box").rename(root / "crate")
    assert workspace.refresh_paths(["box", "crate"]).invalid == set()  # [[x]] leads to it still; x moved unchanged
    assert report(workspace) == []
    (root / "crate" / "x.md").write_text("# X\n", encoding="utf-8")
    assert workspace.refresh_paths(["crate/x.md"]).invalid == {"crate/x.md", "far/by-name.md"}
    assert report(workspace) == [("far/by-name.md", 1, 1, "LK002")]


def test_excluded_files_are_link_targets_as_they_come_and_go(tmp_path: Path) -> None:
    """Watch's path refresh keeps excluded files in the index as targets and never reports on them."""
    root = write_vault(
        tmp_path / "v",
        {".vaultkit.yaml": 'exclude: ["归档/"]\n', "a.md": "[[旧计划]] [[归档/新]]\n", "归档/x.md": "[[broken]]\n"},
    )
    workspace = Workspace(load_config(vault=root), use_cache=False, tracking=True)
    workspace.refresh()
    assert report(workspace) == [("a.md", 1, 1, "LK001"), ("a.md", 1, 9, "LK001")]

    write_vault(root, {"归档/旧计划.md": "[[broken too]]\n"})
    assert "a.md" in workspace.refresh(["归档/旧计划.md"])
    assert report(workspace) == [("a.md", 1, 9, "LK001")]

    moved = write_vault(tmp_path / "outside" / "档", {"新.md": "[[broken]]\n", "deep/y.md": ""})
    shutil.move(moved / "新.md", root / "归档" / "新.md")
    workspace.refresh(["归档/新.md"])
    assert report(workspace) == []
    assert "归档/新.md" in workspace.files.excluded and "归档/新.md" not in workspace.files.notes

    shutil.rmtree(root / "归档")
    workspace.refresh(["归档"])
    assert report(workspace) == [("a.md", 1, 1, "LK001"), ("a.md", 1, 9, "LK001")]


def test_a_note_that_moved_and_changed_in_one_refresh_is_a_changed_note(tmp_path: Path) -> None:
    """Found by seeds 101 and 103 of the watch oracle: saved and moved (or moved and saved) before watch
    looked, a note's new headings must reach the notes linking into it by name."""
    root = write_vault(tmp_path / "v", {"box/x.md": "# X\n## Sub\n", "far/by-name.md": "[[x#Sub]]\n"})
    workspace = followed(root)
    (root / "box").rename(root / "crate")
    (root / "crate" / "x.md").write_text("# X\n", encoding="utf-8")
    assert workspace.refresh_paths(["box", "crate", "crate/x.md"]).invalid == {"crate/x.md", "far/by-name.md"}
    assert report(workspace) == [("far/by-name.md", 1, 1, "LK002")]


def test_a_name_many_files_hold_rechecks_only_the_links_that_can_lead_to_the_one_that_moved(tmp_path: Path) -> None:
    notes = {
        "box/index.md": "# Box\n",
        "other/index.md": "# Other\n",
        "by-other-path.md": "[[other/index]]\n",
        "by-box-path.md": "[[box/index]]\n",
        "by-name.md": "[[index]]\n",  # LK005: two of that name, the shorter path wins
    }
    root = write_vault(tmp_path / "v", notes)
    workspace = followed(root)
    (root / "box").rename(root / "a box with a longer name")
    refreshed = workspace.refresh_paths(["box", "a box with a longer name"])
    assert refreshed.invalid == {"by-box-path.md", "by-name.md"}
    assert [code for *_, code in report(workspace)] == ["LK001", "LK005"]


def test_a_twin_that_comes_or_goes_changes_the_name_clash_of_the_one_left(tmp_path: Path) -> None:
    root = write_vault(tmp_path / "v", {"Notes/Plan.md": "# Plan\n", "other.md": "[[Plan]]\n"})
    workspace = followed(root)
    write_vault(root, {"Notes/plan.md": "# plan\n"})
    refreshed = workspace.refresh_paths(["Notes/plan.md"])
    assert refreshed.clashing == {"Notes/Plan.md", "Notes/plan.md"}
    assert [(path, code) for path, _, _, code in report(workspace)] == [
        ("Notes/Plan.md", "VK004"),
        ("Notes/plan.md", "VK004"),
        ("other.md", "LK005"),
    ]
    (root / "Notes" / "plan.md").unlink()
    assert workspace.refresh_paths(["Notes/plan.md"]).clashing == {"Notes/Plan.md"}
    assert report(workspace) == []


def test_an_alias_with_a_folder_that_comes_rechecks_the_links_by_it(tmp_path: Path) -> None:
    """An LK001 by an alias names the first note by path holding it: `n10` taking `dir/Also` beside `n8`
    changes the message of `[[dir/Also]]` (found by seed 2 of the cache's random edits), in watch and
    through the cache."""
    root = write_vault(
        tmp_path / "v",
        {"n3.md": "[[dir/Also]]\n", "n8.md": "---\naliases: [dir/Also]\n---\n", "n10.md": "\n"},
    )
    watching = Workspace(load_config(vault=root), use_cache=False, tracking=True)
    watching.refresh()
    check_vault(load_config(vault=root))  # the cache now holds every note's findings

    def messages(workspace: Workspace) -> list[str]:
        report(workspace)
        return [f.message for f in workspace.report({"n3.md"}, Selection())]

    assert messages(watching) == [
        "unresolved link: no note named 'dir/Also'; it is an alias of [[n8]], and aliases do not resolve links"
    ]
    (root / "n10.md").write_text("---\naliases: [dir/Also]\n---\n", encoding="utf-8")
    assert "n3.md" in watching.refresh(["n10.md"])
    expected = "unresolved link: no note named 'dir/Also'; it is an alias of [[n10]], and aliases do not resolve links"
    assert messages(watching) == [expected]
    assert [f.message for f in check_vault(load_config(vault=root)).findings] == [expected]


def test_folders_renamed_again_and_again_with_links_by_path_into_and_out_of_them(tmp_path: Path) -> None:
    """Watch keeps what it resolved while folders move (only the links by the names that moved are
    looked up again): after each of a seeded series of folder renames, with links into and out of the
    folders by name, by path, relative, rooted, to headings, to same-named notes (LK005), by aliases and
    from published notes (LK007), its findings equal a fresh check exactly."""
    notes = {
        "box/a.md": "---\ndg-publish: true\n---\n[[b]] [[../far/c]] [[/far/c#Top]] [[twin]] [[c#Nope]]\n",
        "box/b.md": "---\naliases: [Bee]\n---\n# Bee\n[[./a]] [[../twin]] [[box/a]] [[crate/twin]]\n",
        "box/inner/twin.md": "[[../b]] [[../../far/c]] [[a#^blk]] [[Bee]]\n",
        "far/c.md": "---\ndg-publish: true\n---\n# Top\n[[box/b]] [[../box/a]] [[a]] [[twin]] [[box/inner/twin]]\n",
        "far/twin.md": "[[/box/b#Bee]] [[b]] [[Sea]] ^blk\n",
        "twin.md": "[[box/a]] [[inner/twin]] [[../box/b]] [[crate/a]]\n",
        "top.md": "[[box/inner/twin#x]] [[far/twin]] [[c]]\n",
    }
    root = write_vault(tmp_path / "v", notes)
    workspace = followed(root)
    rng = random.Random(7)
    folders = ["box", "far", "box/inner"]
    renamed = 0
    for _ in range(14):
        existing = [folder for folder in folders if (root / folder).is_dir()]
        old = rng.choice(existing)
        parent = rng.choice(["", "crate", "far", "new/deeper"])
        new = f"{parent}/{old.rpartition('/')[2]}{rng.randrange(3)}".lstrip("/")
        if new == old or (root / new).exists() or new.startswith(old + "/"):
            continue
        (root / new).parent.mkdir(parents=True, exist_ok=True)
        moved = [path.relative_to(root / old).as_posix() for path in (root / old).rglob("*")]
        (root / old).rename(root / new)
        folders = [
            new + folder[len(old) :] if folder == old or folder.startswith(old + "/") else folder for folder in folders
        ]
        events = [old, new, *(f"{old}/{path}" for path in moved), *(f"{new}/{path}" for path in moved)]
        workspace.refresh_paths(events)
        report(workspace)  # equals a fresh check, finding for finding
        renamed += 1
    assert renamed >= 10


def test_a_note_due_for_its_links_by_names_that_moved_keeps_its_other_findings(tmp_path: Path) -> None:
    """Folders moved: a note linking into them is checked again only for its links by the names that
    moved (its other findings are kept), and two refreshes before a check add up their names."""
    notes = {
        "box/x.md": "# X\n",
        "bin/z.md": "",
        "far/n.md": "---\na: 1\na: 2\n---\n[[nowhere]] [[box/x]] [[x#Gone]] [[bin/z]]\n",
    }
    root = write_vault(tmp_path / "v", notes)
    workspace = followed(root)
    assert report(workspace) == [("far/n.md", 3, 1, "FM003"), ("far/n.md", 5, 1, "LK001"), ("far/n.md", 5, 23, "LK002")]
    (root / "box").rename(root / "crate")
    assert workspace.refresh_paths(["box", "crate"]).invalid == {"far/n.md"}
    (root / "bin").rename(root / "can")
    assert workspace.refresh_paths(["bin", "can"]).invalid == {"far/n.md"}
    assert report(workspace) == [
        ("far/n.md", 3, 1, "FM003"),
        ("far/n.md", 5, 1, "LK001"),
        ("far/n.md", 5, 13, "LK001"),
        ("far/n.md", 5, 23, "LK002"),
        ("far/n.md", 5, 34, "LK001"),
    ]
    (root / "crate").rename(root / "box")
    workspace.refresh_paths(["box", "crate"])
    assert report(workspace) == [
        ("far/n.md", 3, 1, "FM003"),
        ("far/n.md", 5, 1, "LK001"),
        ("far/n.md", 5, 23, "LK002"),
        ("far/n.md", 5, 34, "LK001"),
    ]


def test_a_note_that_moved_unchanged_keeps_its_findings_but_for_what_its_new_place_decides(tmp_path: Path) -> None:
    """A note moved with its bytes unchanged is not checked again, except for its links whose resolution
    its folder decides (relative ones, and names several files hold) and wholly when another set of
    checks covers its new path; a note moved to where another note was is not taken for that one."""
    check = "kind: frontmatter\nname: titled\npaths: ['one/**']\nschema: {required: [title]}\n"
    root = with_checks(tmp_path / "v", titled=check)
    notes = {
        "one/a.md": "# A\n[[index#One]] [[./b]] [[../two/b]] [[nowhere]] [[p#P]]\n",
        "one/b.md": "",
        "one/index.md": "# One\n",
        "one/deep/index.md": "# Deep\n",
        "two/index.md": "# Two\n",
        "p.md": "# P\n",
        "q.md": "# Q\n",
    }
    write_vault(root, notes)
    workspace = followed(root)
    (root / "two" / "b.md").write_text("", encoding="utf-8")
    workspace.refresh_paths(["two/b.md"])
    assert report(workspace) == [
        ("one/a.md", 1, 1, "FM004"),
        ("one/a.md", 2, 36, "LK001"),
        ("one/b.md", 1, 1, "FM004"),
        ("one/deep/index.md", 1, 1, "FM004"),
        ("one/index.md", 1, 1, "FM004"),
    ]
    (root / "one" / "a.md").rename(root / "one" / "deep" / "a.md")  # the same checks cover it there
    assert workspace.refresh_paths(["one/a.md", "one/deep/a.md"]).invalid == {"one/deep/a.md"}
    assert report(workspace) == [
        ("one/b.md", 1, 1, "FM004"),
        ("one/deep/a.md", 1, 1, "FM004"),
        ("one/deep/a.md", 2, 1, "LK002"),  # [[index]] is one/deep's now
        ("one/deep/a.md", 2, 15, "LK005"),  # [[./b]]: no one/deep/b, so the shortest of two b's
        ("one/deep/a.md", 2, 36, "LK001"),
        ("one/deep/index.md", 1, 1, "FM004"),
        ("one/index.md", 1, 1, "FM004"),
    ]
    (root / "one" / "deep" / "a.md").rename(root / "two" / "c.md")  # out of `titled`: checked again whole
    workspace.refresh_paths(["one/deep/a.md", "two/c.md"])
    assert report(workspace) == [
        ("one/b.md", 1, 1, "FM004"),
        ("one/deep/index.md", 1, 1, "FM004"),
        ("one/index.md", 1, 1, "FM004"),
        ("two/c.md", 2, 1, "LK002"),
        ("two/c.md", 2, 36, "LK001"),
    ]
    (root / "p.md").unlink()
    workspace.refresh_paths(["p.md"])
    (root / "q.md").rename(root / "p.md")  # [[p#P]] reaches # Q now
    workspace.refresh_paths(["p.md", "q.md"])
    assert report(workspace) == [
        ("one/b.md", 1, 1, "FM004"),
        ("one/deep/index.md", 1, 1, "FM004"),
        ("one/index.md", 1, 1, "FM004"),
        ("two/c.md", 2, 1, "LK002"),
        ("two/c.md", 2, 36, "LK001"),
        ("two/c.md", 2, 48, "LK002"),
    ]
