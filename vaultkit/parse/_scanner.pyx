# cython: language_level=3, boundscheck=False, cdivision=True, initializedcheck=False
"""The compiled twin of `scanner.scan_body_pure`: blocks.py's fast path, inline.py and the glue of
scanner.py in one pass of C loops over the note's characters.

It gives the same answer as the pure-Python scanner, which is the reference (tests/test_parse_scanner.py
compares both on generated Markdown): every decision the Python code makes with a regular expression is
made here either by a loop proven to accept exactly what the expression accepts, or, where that is not
worth it (rare lines, a link's destination, the end of a paragraph), by calling the very same compiled
expression or function of blocks.py and inline.py. Notes the fast path does not take go to mistune.
"""

from cpython.mem cimport PyMem_Free, PyMem_Malloc, PyMem_Realloc
from cpython.ref cimport Py_INCREF
from cpython.tuple cimport PyTuple_SET_ITEM
from cpython.object cimport PyTypeObject
from cpython.unicode cimport PyUnicode_DATA, PyUnicode_GET_LENGTH, PyUnicode_KIND, PyUnicode_READ
from libc.stdint cimport uint64_t
from libc.string cimport memchr, memcpy
from cpython.unicode cimport PyUnicode_DecodeUTF8
from operator import itemgetter
from sys import intern

from vaultkit.model import Comment, Heading, Link, Span, block_id_set
from vaultkit.parse import blocks as _blocks
from vaultkit.parse import inline as _inline

cdef object _FIRST_LINE = _blocks._FIRST_LINE.match
cdef object _closing_fence = _blocks._closing_fence
cdef object _plain_container_line = _blocks._plain_container_line
cdef object _PARAGRAPH_END_SEARCH = _inline._PARAGRAPH_END.search
cdef object _SCHEME_MATCH = _inline._SCHEME.match
cdef object _PUNCTUATION_ESCAPE_SUB = _inline._PUNCTUATION_ESCAPE.sub
cdef object _LINE_COLUMN = itemgetter(4, 5)  # a link's line and column: document order

cdef extern from *:
    """
    #ifndef VAULTKIT_REFERENCE_DIGEST
    #define VAULTKIT_REFERENCE_DIGEST ""
    #endif
    #ifndef VAULTKIT_SOURCE_DIGEST
    #define VAULTKIT_SOURCE_DIGEST ""
    #endif
    """
    const char* VAULTKIT_REFERENCE_DIGEST
    const char* VAULTKIT_SOURCE_DIGEST

# what this module was built from (setup.py): vaultkit.parse.scanner uses it only while they still match
REFERENCE_DIGEST = VAULTKIT_REFERENCE_DIGEST.decode("ascii")
SOURCE_DIGEST = VAULTKIT_SOURCE_DIGEST.decode("ascii")

cdef extern from "Python.h":
    object PyType_GenericAlloc(PyTypeObject* type, Py_ssize_t nitems)
    ctypedef unsigned short Py_UCS2
    bint Py_UNICODE_ISSPACE(Py_UCS4 ch)
    bint Py_UNICODE_ISDECIMAL(Py_UCS4 ch)


cdef Py_ssize_t _find_wide(Py_UCS2* data, Py_UCS4 c, Py_ssize_t start, Py_ssize_t end) noexcept:
    """Where the 2-byte character c first is in data[start:end], four characters to a 64-bit word (a
    word holds c where one of its lanes xor c is zero: the classic test for a zero lane)."""
    cdef uint64_t ones = 0x0001000100010001ULL, highs = 0x8000800080008000ULL
    cdef uint64_t pattern = ones * <uint64_t> c, word, zero
    cdef Py_ssize_t i = start
    while i < end and (i & 3):  # to a word boundary of the text's start (the data is 8-byte aligned)
        if data[i] == c:
            return i
        i += 1
    while i + 4 <= end:
        memcpy(&word, data + i, 8)
        word ^= pattern
        zero = (word - ones) & ~word & highs
        if zero:
            break  # a lane is c (or, rarely, looks so): the scalar loop below says which
        i += 4
    while i < end:
        if data[i] == c:
            return i
        i += 1
    return -1


cdef inline object _record(object cls, Py_ssize_t size):
    """An empty instance of a named tuple class (the records of model.py), filled by `_put`: one
    allocation, where calling the class costs a Python frame and tuple.__new__ a copy."""
    return PyType_GenericAlloc(<PyTypeObject*> cls, size)


cdef inline void _put(object record, Py_ssize_t index, object value):
    Py_INCREF(value)
    PyTuple_SET_ITEM(record, index, value)


cdef object _link(str target, str anchor, object alias, bint embed, Py_ssize_t* where, str raw):
    cdef object link = _record(Link, 9)
    _put(link, 0, target)
    _put(link, 1, anchor)
    _put(link, 2, alias)
    _put(link, 3, True if embed else False)
    _put(link, 4, where[0])
    _put(link, 5, where[1])
    _put(link, 6, where[2])
    _put(link, 7, where[3])
    _put(link, 8, raw)
    return link


cdef object _span(Py_ssize_t* where):
    cdef object span = _record(Span, 4)
    _put(span, 0, where[0])
    _put(span, 1, where[1])
    _put(span, 2, where[2])
    _put(span, 3, where[3])
    return span


cdef class _Text:
    """A note's text with its characters at hand, and where its lines start (for positions)."""

    cdef str text
    cdef int kind
    cdef void* data
    cdef Py_ssize_t n
    cdef Py_ssize_t* breaks  # offsets of every "\n", filled on first use
    cdef Py_ssize_t nbreaks
    cdef bint counted
    cdef Py_ssize_t hint  # index into breaks of the last answer

    def __cinit__(self, str text):
        self.text = text
        self.kind = PyUnicode_KIND(text)
        self.data = PyUnicode_DATA(text)
        self.n = PyUnicode_GET_LENGTH(text)
        self.breaks = NULL
        self.nbreaks = 0
        self.counted = False
        self.hint = 0

    def __dealloc__(self):
        if self.breaks != NULL:
            PyMem_Free(self.breaks)

    cdef inline Py_UCS4 at(self, Py_ssize_t i) noexcept:
        return PyUnicode_READ(self.kind, self.data, i)

    cdef Py_ssize_t find_char(self, Py_UCS4 c, Py_ssize_t start, Py_ssize_t end) noexcept:
        cdef Py_ssize_t i
        cdef const char* found
        if end > self.n:
            end = self.n
        if start >= end:
            return -1
        if self.kind == 1:
            if c > 255:
                return -1
            found = <const char*> memchr(<const char*> self.data + start, <int> c, end - start)
            return found - <const char*> self.data if found != NULL else -1
        if self.kind == 2:
            return _find_wide(<Py_UCS2*> self.data, c, start, end) if c <= 0xFFFF else -1
        for i in range(start, end):
            if (<Py_UCS4*> self.data)[i] == c:
                return i
        return -1

    cdef Py_ssize_t rfind_char(self, Py_UCS4 c, Py_ssize_t start, Py_ssize_t end) noexcept:
        cdef Py_ssize_t i = end - 1
        while i >= start:
            if PyUnicode_READ(self.kind, self.data, i) == c:
                return i
            i -= 1
        return -1

    cdef Py_ssize_t find(self, str needle, Py_ssize_t start, Py_ssize_t end) noexcept:
        """str.find for the scanner's short ASCII needles (`[[`, `](`, `%%`, `<!--`, `-->`): the first
        character found as find_char finds it, the rest compared in place (PyUnicode_Find would first
        make a copy of the needle in the text's width, on every call)."""
        cdef Py_ssize_t size = len(needle), i, j
        cdef Py_UCS4 first = needle[0]
        if end > self.n:
            end = self.n
        i = self.find_char(first, start, end - size + 1)
        while i >= 0:
            j = 1
            while j < size and PyUnicode_READ(self.kind, self.data, i + j) == <Py_UCS4> needle[j]:
                j += 1
            if j == size:
                return i
            i = self.find_char(first, i + 1, end - size + 1)
        return -1

    cdef Py_ssize_t count_char(self, Py_UCS4 c, Py_ssize_t start, Py_ssize_t end) noexcept:
        cdef Py_ssize_t found = 0
        start = self.find_char(c, start, end)
        while start >= 0:
            found += 1
            start = self.find_char(c, start + 1, end)
        return found

    cdef Py_ssize_t line_end(self, Py_ssize_t at) noexcept:
        cdef Py_ssize_t found = self.find_char(10, at, self.n)
        return found if found >= 0 else self.n

    cdef int _count_breaks(self) except -1:
        """Every line break's offset, in one pass (memchr for 1-byte text, a plain loop for wider)."""
        cdef Py_ssize_t i, size = 64, n = self.n
        cdef Py_UCS2* wide
        cdef Py_UCS4* widest
        self.breaks = <Py_ssize_t*> PyMem_Malloc(size * sizeof(Py_ssize_t))
        if self.breaks == NULL:
            raise MemoryError()
        if self.kind == 1:
            i = self.find_char(10, 0, n)
            while i >= 0:
                self._add_break(i, &size)
                i = self.find_char(10, i + 1, n)
        elif self.kind == 2:
            wide = <Py_UCS2*> self.data
            for i in range(n):
                if wide[i] == 10:
                    self._add_break(i, &size)
        else:
            widest = <Py_UCS4*> self.data
            for i in range(n):
                if widest[i] == 10:
                    self._add_break(i, &size)
        self.counted = True
        return 0

    cdef int _add_break(self, Py_ssize_t at, Py_ssize_t* size) except -1:
        cdef Py_ssize_t* grown
        if self.nbreaks == size[0]:
            size[0] *= 2
            grown = <Py_ssize_t*> PyMem_Realloc(self.breaks, size[0] * sizeof(Py_ssize_t))
            if grown == NULL:
                raise MemoryError()
            self.breaks = grown
        self.breaks[self.nbreaks] = at
        self.nbreaks += 1
        return 0

    cdef Py_ssize_t breaks_before(self, Py_ssize_t offset) except -1:
        """How many line breaks text[:offset] holds: the 0-based line of `offset`."""
        cdef Py_ssize_t low, high, middle, h
        if not self.counted:
            self._count_breaks()
        h = self.hint
        # the common case: the same line as the last answer, or the next
        if h <= self.nbreaks and (h == 0 or self.breaks[h - 1] < offset) and (h == self.nbreaks or offset <= self.breaks[h]):
            return h
        low, high = 0, self.nbreaks
        while low < high:
            middle = (low + high) // 2
            if self.breaks[middle] < offset:
                low = middle + 1
            else:
                high = middle
        self.hint = low
        return low

    cdef int where(self, Py_ssize_t start, Py_ssize_t end, Py_ssize_t* out) except -1:
        """Line, column, end line, end column (1-based, columns in code points) of text[start:end]."""
        cdef Py_ssize_t line = self.breaks_before(start)
        cdef Py_ssize_t line_start = self.breaks[line - 1] + 1 if line else 0
        cdef Py_ssize_t end_line = self.breaks_before(end) if end > start else line
        out[0] = line + 1
        out[1] = start - line_start + 1
        out[2] = end_line + 1
        if end_line == line:
            out[3] = out[1] + end - start
        else:
            out[3] = end - self.breaks[end_line - 1]
        return 0


# --- blocks: the twin of blocks._scan_plain ------------------------------------------------------------

cdef enum LineKind:
    NONE = 0
    FENCE = 1
    ATX = 2
    SETEXT = 3
    DEFER = 4
    CONTAINER = 5


cdef inline bint _is_tab_or_space(Py_UCS4 c) noexcept:
    return c == 32 or c == 9


cdef bint _underline(_Text t, Py_ssize_t i, Py_ssize_t stop) noexcept:
    """`[=-]+[ \\t]*$` from i, the line ending at stop."""
    cdef Py_ssize_t j = i
    cdef Py_UCS4 c
    while j < stop:
        c = t.at(j)
        if c != 61 and c != 45:  # = -
            break
        j += 1
    if j == i:
        return False
    while j < stop and _is_tab_or_space(t.at(j)):
        j += 1
    return j == stop


cdef LineKind _classify(_Text t, Py_ssize_t at, Py_ssize_t stop, Py_ssize_t* level):
    """Which alternative of blocks._LINE matches the line text[at:stop] (NONE: none), as re would decide.
    `level`: the length of an ATX heading's opening sequence."""
    cdef Py_UCS4 c, c1, c2
    cdef Py_ssize_t j, run
    if at >= stop:
        return NONE
    c = t.at(at)
    if c == 96 or c == 126:  # ` ~: a fence needs three
        j = at
        while j < stop and t.at(j) == c:
            j += 1
        return FENCE if j - at >= 3 else NONE
    if c == 35:  # #
        j = at
        while j < stop and t.at(j) == 35:
            j += 1
        run = j - at
        if run <= 6 and (j == stop or _is_tab_or_space(t.at(j))):
            level[0] = run
            return ATX
        return NONE
    if c == 61:  # = : only an underline starts so
        return SETEXT if _underline(t, at, stop) else NONE
    if c == 60:  # <
        return DEFER
    if c == 62:  # >
        return CONTAINER
    if c == 32 or c == 9:  # [ \t]+\S
        j = at
        while j < stop and _is_tab_or_space(t.at(j)):
            j += 1
        return CONTAINER if j < stop and not Py_UNICODE_ISSPACE(t.at(j)) else NONE
    if c == 45 or c == 43 or c == 42:  # - + *
        if c == 45 and _underline(t, at, stop):
            return SETEXT
        return _after_marker(t, at, at + 1, stop)
    if 48 <= c <= 57:  # an ordered list marker, \d{1,9}[.)], in ASCII digits
        j = at
        while j < stop and 48 <= t.at(j) <= 57:
            j += 1
        if j < stop and Py_UNICODE_ISDECIMAL(t.at(j)):
            return _delegate(t, at)  # other scripts' digits too
        if j - at > 9 or j >= stop or (t.at(j) != 46 and t.at(j) != 41):
            return NONE
        return _after_marker(t, at, j + 1, stop)
    if Py_UNICODE_ISDECIMAL(c):
        return _delegate(t, at)
    return NONE


cdef LineKind _after_marker(_Text t, Py_ssize_t at, Py_ssize_t j, Py_ssize_t stop):
    """A list marker ends before j: whether the item's first line opens a block (_ITEM_HOLDING_BLOCK)."""
    cdef Py_UCS4 c1 = t.at(j) if j < stop else 10
    cdef Py_UCS4 c2
    if c1 == 9:
        return _delegate(t, at)
    if c1 != 32:
        return NONE  # no space after the marker: not an item
    c2 = t.at(j + 1) if j + 1 < stop else 10
    if c2 == 10 or _is_tab_or_space(c2) or Py_UNICODE_ISDECIMAL(c2) or c2 in u"`~#<>-+*=":
        return _delegate(t, at)
    return NONE  # a plain item: its text starts with a character no block starts with


cdef LineKind _delegate(_Text t, Py_ssize_t at):
    """The rare lines (list items whose first line may open a block): the pattern itself decides."""
    match = _FIRST_LINE(t.text, at)
    if match is None:
        return NONE
    group = match.lastgroup
    if group == "container":
        return CONTAINER
    if group == "setext":
        return SETEXT
    if group == "defer":
        return DEFER
    if group == "atx":
        return ATX
    return FENCE


cdef bint _plain_quote_line(_Text t, Py_ssize_t at, Py_ssize_t stop) noexcept:
    """The common container line, `> text`, whose text starts with a character that neither continues
    the container prefix nor opens a block: blocks._plain_container_line says True for it (its prefix
    is `> ` with nothing before the `>`); every other container line is asked there."""
    cdef Py_ssize_t j = at + 1
    cdef Py_UCS4 c
    if t.at(at) != 62:
        return False
    if j < stop and t.at(j) == 32:
        j += 1
    if j >= stop:
        return False
    c = t.at(j)
    return not (Py_UNICODE_ISDECIMAL(c) or Py_UNICODE_ISSPACE(c) or c in u">`~<#=-*_+.)")


cdef bint _previous_line_has_text(_Text t, Py_ssize_t at, Py_ssize_t start) noexcept:
    cdef Py_ssize_t previous_start = t.rfind_char(10, start, at - 1) + 1
    cdef Py_ssize_t i
    if previous_start < start:
        previous_start = start
    for i in range(previous_start, at - 1):
        if not Py_UNICODE_ISSPACE(t.at(i)):
            return True
    return False


cdef object _scan_plain(_Text t, Py_ssize_t start, Py_ssize_t first_line):
    """(regions, heading blocks) of a plain note, or None when mistune must decide."""
    cdef list excluded = []
    cdef list headings = []
    cdef Py_ssize_t line = first_line, counted = start, pos = start, end = t.n
    cdef Py_ssize_t at, stop, i, level = 0, last, close_start, close_end, run, e, h, w, lead
    cdef LineKind kind
    cdef Py_UCS4 c
    cdef str text = t.text
    while pos < end:
        kind = NONE
        at = -1
        if pos == 0:
            stop = t.line_end(0)
            kind = _classify(t, 0, stop, &level)
            if kind != NONE:
                at = 0
        if kind == NONE:
            i = t.find_char(10, pos - 1 if pos > 0 else 0, end)
            while i >= 0:
                stop = t.line_end(i + 1)
                kind = _classify(t, i + 1, stop, &level)
                if kind != NONE:
                    at = i + 1
                    break
                i = t.find_char(10, stop, end)
            if kind == NONE:
                break
        line += t.count_char(10, counted, at)
        counted = at
        pos = stop + 1
        if kind == FENCE:
            c = t.at(at)
            run = at
            while run < stop and t.at(run) == c:
                run += 1
            if c == 96 and t.find_char(96, run, stop) >= 0:
                continue  # not a fence: an inline code span at the start of a line
            close = _closing_fence(u"`" if c == 96 else u"~", run - at).search(text, pos) if pos < end else None
            if close is None:  # an unclosed fence runs to the end of the note
                last = line + t.count_char(10, at, end) - (1 if end and t.at(end - 1) == 10 else 0)
                excluded.append((line, line if last < line else last, at, end))
                break
            close_start, close_end = close.start(), close.end()
            last = line + t.count_char(10, at, close_start)
            excluded.append((line, last, at, close_end + 1 if close_end + 1 < end else end))
            line, counted, pos = last, close_start, close_end + 1
        elif kind == ATX:
            # the closing sequence `  ##  ` is not text: blocks._CLOSING_HASHES, by hand
            e = stop
            while e > at + level and _is_tab_or_space(t.at(e - 1)):
                e -= 1
            w = stop  # where the text ends
            if e > at + level and t.at(e - 1) == 35:
                h = e
                while h > at + level and t.at(h - 1) == 35:
                    h -= 1
                if h > at + level and _is_tab_or_space(t.at(h - 1)):
                    w = h
                    while w > at + level and _is_tab_or_space(t.at(w - 1)):
                        w -= 1
            i = at + level
            while i < w and _is_tab_or_space(t.at(i)):
                i += 1
            e = w
            while e > i and _is_tab_or_space(t.at(e - 1)):
                e -= 1
            title = text[i:e]
            headings.append((line, level, title, line, at, i - at + 1 if e > i else 0, stop - at))
        elif kind == SETEXT:
            if at > start and _previous_line_has_text(t, at, start):
                return None
        elif kind == CONTAINER:
            if not _plain_quote_line(t, at, stop) and not _plain_container_line(text, at, stop, start):
                return None
        else:
            return None
    return excluded, headings


# --- inline: the twin of inline.scan_inline -------------------------------------------------------------

cdef class _Inline:
    cdef _Text t
    cdef list links
    cdef set block_ids
    cdef list comments
    cdef list hidden

    def __cinit__(self, _Text t):
        self.t = t
        self.links = []
        self.block_ids = set()
        self.comments = []
        self.hidden = []

    cdef int comment(self, Py_ssize_t start, Py_ssize_t end, bint hide) except -1:
        cdef Py_ssize_t where[4]
        cdef object comment = _record(Comment, 2)
        self.t.where(start, end, where)
        _put(comment, 0, self.t.text[start:end])
        _put(comment, 1, _span(where))
        self.comments.append(comment)
        if hide:
            self.hidden.append((start, end))

    cdef int scan(self, list segments) except -1:
        cdef Py_ssize_t start, end, pos, close
        cdef Py_ssize_t in_comment_from = -1
        cdef list excluded
        cdef _Text t = self.t
        for start, end in segments:
            excluded = []
            pos = start
            if in_comment_from >= 0:
                close = _find(t, u"%%", start, end)
                if close < 0:
                    continue
                self.comment(in_comment_from, close + 2, True)
                excluded.append((start, close + 2))
                in_comment_from, pos = -1, close + 2
            if _has_special(t, pos, end):
                in_comment_from = self.exclusions(pos, end, excluded)
            self.find_links(start, end, excluded)
        if in_comment_from >= 0:  # an unclosed %% hides the rest of the note, as in Obsidian
            self.hidden.append((in_comment_from, t.n))
        return 0

    cdef Py_ssize_t exclusions(self, Py_ssize_t pos, Py_ssize_t end, list excluded) except -2:
        """Code spans and comments in text[pos:end] into `excluded`; where an open %% began, or -1."""
        cdef _Text t = self.t
        cdef Py_ssize_t limit = -1, no_comment_end_before = -1, at, close, run, closing, index, low, high, mid
        cdef Py_ssize_t next_tick = -2, next_comment = -2, next_percent = -2
        cdef int token
        cdef dict runs = None
        cdef list candidates
        while True:
            # the first of ` <!-- %% at or after pos, each searched for once per stretch (inline._Specials)
            if next_tick != -1 and next_tick < pos:
                next_tick = t.find_char(96, pos, end)
            if next_comment != -1 and next_comment < pos:
                next_comment = _find(t, u"<!--", pos, end)
            if next_percent != -1 and next_percent < pos:
                next_percent = _find(t, u"%%", pos, end)
            at, token = end, 0
            if 0 <= next_tick < at:
                at, token = next_tick, 1
            if 0 <= next_comment < at:
                at, token = next_comment, 2
            if 0 <= next_percent < at:
                at, token = next_percent, 3
            if token == 0:
                return -1
            if token == 3:
                close = _find(t, u"%%", at + 2, end)
                if close < 0:
                    excluded.append((at, end))
                    self.hidden.append((at, end))
                    return at
                excluded.append((at, close + 2))
                self.comment(at, close + 2, True)
                pos = close + 2
                continue
            if at >= limit:
                paragraph = _PARAGRAPH_END_SEARCH(t.text, at, end)
                limit = paragraph.start() if paragraph is not None else end
            if token == 2:
                close = -1 if at < no_comment_end_before else _find(t, u"-->", at + 4, limit)
                if close < 0:
                    no_comment_end_before = limit
                    pos = at + 4
                    continue
                excluded.append((at, close + 3))
                self.comment(at, close + 3, False)
                pos = close + 3
                continue
            run = at
            while run < t.n and t.at(run) == 96:
                run += 1
            run -= at
            if _escaped(t, at):  # \` is a literal backtick; the run after it may still open a span
                pos = at + 1
                continue
            if runs is None:
                runs = _backtick_runs(t, at, end)
            candidates = runs.get(run)
            closing = -1
            if candidates is not None:
                low, high = 0, len(candidates)
                while low < high:  # bisect_right(candidates, at)
                    mid = (low + high) // 2
                    if at < <Py_ssize_t> candidates[mid]:
                        high = mid
                    else:
                        low = mid + 1
                if low < len(candidates):
                    closing = candidates[low]
            if closing < 0 or closing >= limit:
                pos = at + run
                continue
            excluded.append((at, closing + run))
            pos = closing + run

    cdef int find_links(self, Py_ssize_t start, Py_ssize_t end, list excluded) except -1:
        cdef _Text t = self.t
        cdef list taken = []
        cdef Py_ssize_t at, stop, i, j, begin
        cdef Py_UCS4 c
        cdef bint embed
        cdef str text = t.text
        cdef list links = self.links
        cdef Py_ssize_t where[4]
        if _find(t, u"[[", start, end) >= 0:
            # inline.WIKILINK, by hand: `[[`, then no [ ] or line break, then `]]`
            at = _find(t, u"[[", start, end)
            while at >= 0:
                j = at + 2
                while j < end:
                    c = t.at(j)
                    if c == 91 or c == 93 or c == 10:
                        break
                    j += 1
                if j + 1 < end and t.at(j) == 93 and t.at(j + 1) == 93:
                    stop = j + 2
                    embed = at > start and t.at(at - 1) == 33
                    begin = at - 1 if embed else at
                    if not (excluded and _holds(excluded, begin)):
                        taken.append((begin, stop))
                        t.where(begin, stop, where)
                        link = _wikilink(text[at + 2 : j], embed, text[begin:stop], where)
                        if link is not None:
                            links.append(link)
                    at = _find(t, u"[[", stop, end)
                else:
                    at = _find(t, u"[[", at + 1, end)
        if _find(t, u"](", start, end) >= 0:
            self.markdown_links(start, end, _union(excluded, taken) if taken else excluded)
        if t.find_char(94, start, end) >= 0:  # inline._BLOCK_ID: `^id[ \t]*$`
            i = t.find_char(94, start, end)
            while i >= 0:
                j = i + 1
                while j < end:
                    c = t.at(j)
                    if not (48 <= c <= 57 or 65 <= c <= 90 or 97 <= c <= 122 or c == 45):
                        break
                    j += 1
                stop = j
                while stop < end and _is_tab_or_space(t.at(stop)):
                    stop += 1
                if j > i + 1 and (stop == end or t.at(stop) == 10):
                    if (i == 0 or t.at(i - 1) in u" \t\n") and not (excluded and _holds(excluded, i)):
                        self.block_ids.add(text[i + 1 : j].lower())
                i = t.find_char(94, i + 1, end)
        return 0

    cdef int markdown_links(self, Py_ssize_t start, Py_ssize_t end, list skip) except -1:
        """The twin of inline._markdown_links: only the lines holding a `](` with a `)` after it."""
        cdef _Text t = self.t
        cdef Py_ssize_t close = _find(t, u"](", start, end), line_start, line_end, last_paren, first
        while close >= 0:
            line_start = t.rfind_char(10, start, close) + 1
            if line_start < start:
                line_start = start
            line_end = t.find_char(10, close, end)
            if line_end < 0:
                line_end = end
            last_paren = t.rfind_char(41, close, line_end)
            if last_paren >= 0:
                first = _first_ending_after(skip, line_start)
                self.line_links(_between(skip, first, line_start, line_end), last_paren)
            close = _find(t, u"](", line_end, end)
        return 0

    cdef int line_links(self, list stretches, Py_ssize_t last_paren) except -1:
        """The twin of inline._line_links: the Markdown links of one line, given as the stretches outside
        skipped ranges, by CommonMark's bracket rules (inline._BRACKET_TOKEN read by hand)."""
        cdef _Text t = self.t
        cdef list stack = []  # [offset of the run's first bracket, brackets left in the run, is an image]
        cdef Py_ssize_t inactive_below = 0, resume = 0, low, high, at, j, opener, size, limit
        cdef Py_ssize_t dest[3]
        cdef Py_UCS4 c
        cdef list top
        cdef bint image, active
        for low, high in stretches:
            at = low
            while at < high:
                c = t.at(at)
                if c == 92:  # `\x`: an escape, no bracket
                    at += 2 if at + 1 < high and t.at(at + 1) != 10 else 1
                    continue
                if c == 33:  # `![`
                    if at + 1 < high and t.at(at + 1) == 91:
                        if at >= resume:
                            stack.append([at + 1, 1, 1])
                        at += 2
                    else:
                        at += 1
                    continue
                if c == 91:  # a run of `[`
                    j = at
                    while j < high and t.at(j) == 91:
                        j += 1
                    if at >= resume:
                        stack.append([at, j - at, 0])
                    at = j
                    continue
                if c != 93 or at < resume or not stack:  # not a `]` that counts
                    at += 1
                    continue
                top = stack[-1]
                opener = <Py_ssize_t> top[0] + <Py_ssize_t> top[1] - 1
                image = top[2]
                size = len(stack)
                active = image or size - 1 >= inactive_below
                top[1] -= 1
                if not top[1]:
                    stack.pop()
                    if inactive_below > size - 1:
                        inactive_below = size - 1
                if not active or at > last_paren or at + 1 >= t.n or t.at(at + 1) != 40:
                    at += 1
                    continue
                limit = high if high < last_paren + 1 else last_paren + 1
                if not _destination(t, at + 1, limit, dest):
                    at += 1
                    continue
                link = _markdown_link(t, opener - 1 if image else opener, opener + 1, at, dest, image)
                if link is not None:
                    self.links.append(link)
                if not image:
                    inactive_below = len(stack)
                resume = dest[2]
                at += 1
        return 0


cdef inline bint _bare(Py_UCS4 c) noexcept:
    """[^ \t\n()<>\\]: a character of a bare destination."""
    return not (c == 32 or c == 9 or c == 10 or c == 40 or c == 41 or c == 60 or c == 62 or c == 92)


cdef Py_ssize_t _escaped_run(_Text t, Py_ssize_t q, Py_ssize_t end, int kind) noexcept:
    """Where a possessive run of characters (of `kind`) or backslash escapes ends, from q.
    kind 0: a bare destination's [^ \t\n()<>\\] | \\[^\n]; 1: inside parentheses [^ \t\n()\\] | \\[^\n];
    2, 3, 4: a title in " ' ( — [^"\n\\] [^'\n\\] [^()\n\\] | \\. ; 5: inside <> [^<>\n\\] | \\."""
    cdef Py_UCS4 c
    while q < end:
        c = t.at(q)
        if c == 92:
            if q + 1 < end and t.at(q + 1) != 10:
                q += 2
                continue
            return q
        if c == 10:
            return q
        if kind == 0:
            if not _bare(c):
                return q
        elif kind == 1:
            if c == 32 or c == 9 or c == 40 or c == 41:
                return q
        elif kind == 2:
            if c == 34:
                return q
        elif kind == 3:
            if c == 39:
                return q
        elif kind == 4:
            if c == 40 or c == 41:
                return q
        elif c == 60 or c == 62:
            return q
        q += 1
    return q


cdef bint _destination(_Text t, Py_ssize_t p, Py_ssize_t end, Py_ssize_t* found) noexcept:
    """inline._MD_DEST.match(text, p, end), by hand: every quantifier of the pattern is possessive, so one
    forward pass decides. `found`: where group 1 starts and ends, and where the match ends."""
    cdef Py_ssize_t q, r, s, w
    cdef Py_UCS4 c
    if p >= end or t.at(p) != 40:
        return False
    p += 1
    while p < end and _is_tab_or_space(t.at(p)):
        p += 1
    found[0] = p
    if p < end and t.at(p) == 60:  # <dest>; if anything after it fails, the bare form fails too (at `<`)
        q = _escaped_run(t, p + 1, end, 5)
        if q >= end or t.at(q) != 62:
            return False
        q += 1
    else:
        q = _escaped_run(t, p, end, 0)
        while q < end and t.at(q) == 40:  # balanced parentheses, one level, then more of the bare form
            r = _escaped_run(t, q + 1, end, 1)
            if r >= end or t.at(r) != 41:
                break
            q = _escaped_run(t, r + 1, end, 0)
    found[1] = q
    s = q
    if s < end and _is_tab_or_space(t.at(s)):  # an optional title, after spaces
        w = s
        while w < end and _is_tab_or_space(t.at(w)):
            w += 1
        if w < end:
            c = t.at(w)
            r = -1
            if c == 34:
                r = _escaped_run(t, w + 1, end, 2)
                r = r + 1 if r < end and t.at(r) == 34 else -1
            elif c == 39:
                r = _escaped_run(t, w + 1, end, 3)
                r = r + 1 if r < end and t.at(r) == 39 else -1
            elif c == 40:
                r = _escaped_run(t, w + 1, end, 4)
                r = r + 1 if r < end and t.at(r) == 41 else -1
            if r >= 0:
                s = r
    while s < end and _is_tab_or_space(t.at(s)):
        s += 1
    if s < end and t.at(s) == 41:
        found[2] = s + 1
        return True
    return False


def destination(str text, Py_ssize_t pos, Py_ssize_t end):
    """`_destination`, for the tests that compare it with inline._MD_DEST: (group 1, end) or None."""
    cdef _Text t = _Text(text)
    cdef Py_ssize_t found[3]
    if end > t.n:
        end = t.n
    if not _destination(t, pos, end, found):
        return None
    return text[found[0] : found[1]], found[2]


cdef inline Py_ssize_t _find(_Text t, str needle, Py_ssize_t start, Py_ssize_t end) noexcept:
    return t.find(needle, start, end)


cdef bint _has_special(_Text t, Py_ssize_t start, Py_ssize_t end) noexcept:
    return t.find_char(96, start, end) >= 0 or _find(t, u"<!--", start, end) >= 0 or _find(t, u"%%", start, end) >= 0


cdef bint _escaped(_Text t, Py_ssize_t at) noexcept:
    cdef Py_ssize_t backslashes = 0
    while at - backslashes - 1 >= 0 and t.at(at - backslashes - 1) == 92:
        backslashes += 1
    return backslashes % 2 == 1


cdef dict _backtick_runs(_Text t, Py_ssize_t at, Py_ssize_t end):
    """Backtick runs of text[at:end], by length: where each starts (inline._BACKTICKS.finditer)."""
    cdef dict runs = {}
    cdef Py_ssize_t i = at, j
    while i < end:
        if t.at(i) == 96:
            j = i
            while j < end and t.at(j) == 96:
                j += 1
            found = runs.get(j - i)
            if found is None:
                runs[j - i] = [i]
            else:
                found.append(i)
            i = j
        else:
            i += 1
    return runs


cdef bint _holds(list ranges, Py_ssize_t offset):
    """inline._Ranges.holds: whether the sorted, disjoint ranges hold `offset` (bisection)."""
    cdef Py_ssize_t low = 0, high = len(ranges), mid
    while low < high:
        mid = (low + high) // 2
        if offset < <Py_ssize_t> (<tuple> ranges[mid])[0]:
            high = mid
        else:
            low = mid + 1
    return low > 0 and offset < <Py_ssize_t> (<tuple> ranges[low - 1])[1]


cdef list _union(list first, list second):
    """inline._union: two sorted lists of ranges as one sorted list of disjoint ranges."""
    cdef list joined = []
    cdef Py_ssize_t i = 0, j = 0, n1 = len(first), n2 = len(second)
    cdef tuple item
    while i < n1 or j < n2:
        if j >= n2 or (i < n1 and <tuple> first[i] <= <tuple> second[j]):
            item = first[i]
            i += 1
        else:
            item = second[j]
            j += 1
        if joined and item[0] <= (<tuple> joined[-1])[1]:
            if item[1] > (<tuple> joined[-1])[1]:
                joined[-1] = ((<tuple> joined[-1])[0], item[1])
        else:
            joined.append(item)
    return joined


cdef Py_ssize_t _first_ending_after(list skip, Py_ssize_t offset) except -1:
    """bisect_right over the ranges' ends: the first range that ends after `offset`."""
    cdef Py_ssize_t low = 0, high = len(skip), mid
    while low < high:
        mid = (low + high) // 2
        if offset < <Py_ssize_t> (<tuple> skip[mid])[1]:
            high = mid
        else:
            low = mid + 1
    return low


cdef list _between(list skip, Py_ssize_t first, Py_ssize_t start, Py_ssize_t end):
    """inline._between: the stretches of [start, end) outside the sorted, disjoint `skip` ranges."""
    cdef list stretches = []
    cdef Py_ssize_t pos = start, low, high, index
    for index in range(first, len(skip)):
        low, high = skip[index]
        if low >= end:
            break
        if low > pos:
            stretches.append((pos, low))
        if high > pos:
            pos = high
    if pos < end:
        stretches.append((pos, end))
    return stretches


cdef object _wikilink(str inner, bint embed, str raw, Py_ssize_t* where):
    """inline.wikilink: `[[target#anchor|alias]]`, also in the escaped form `[[target#anchor\\|alias]]`."""
    if not inner.strip():
        return None
    cdef Py_ssize_t pipe = inner.find(u"|")
    if pipe < 0:
        left, alias = inner, None
    else:
        left, alias = inner[:pipe], inner[pipe + 1 :]
    if left.endswith(u"\\"):
        left = left[:-1]
    target, _, anchor = left.partition(u"#")
    return _link(intern(target.strip()), anchor.strip(), alias, embed, where, raw)


cdef object _markdown_link(_Text t, Py_ssize_t at, Py_ssize_t text_start, Py_ssize_t close, Py_ssize_t* dest, bint image):
    """inline._markdown_link: the link of `[text](dest)`, text[at:dest end]."""
    cdef str text = t.text
    cdef str target = text[dest[0] : dest[1]]
    cdef Py_ssize_t stop = dest[2]
    cdef Py_ssize_t where[4]
    if target.startswith(u"<"):
        target = target[1:-1]
    if u"\\" in target:
        target = _PUNCTUATION_ESCAPE_SUB(r"\1", target)
    if not target or _SCHEME_MATCH(target) is not None:
        return None
    path, _, anchor = target.partition(u"#")
    t.where(at, stop, where)
    return _link(
        intern((_unquote(path) if u"%" in path else path).strip()),
        (_unquote(anchor) if u"%" in anchor else anchor).strip(),
        text[text_start:close],
        image,
        where,
        text[at:stop],
    )


cdef inline int _hex(Py_UCS4 char) noexcept:
    cdef int c = <int> char
    if 48 <= c <= 57:
        return c - 48
    if 65 <= c <= 70:
        return c - 55
    if 97 <= c <= 102:
        return c - 87
    return -1


cdef str _unquote(str string):
    """urllib.parse.unquote(string) (UTF-8, errors replaced), without its Python frames: each run of
    ASCII characters has its %XX escapes made bytes and decoded; other characters stay as they are."""
    cdef Py_ssize_t n = len(string), i = 0, j, k
    cdef Py_UCS4 c, c1, c2
    cdef int high, low
    cdef bytearray buffer
    cdef list parts = []
    while i < n:
        j = i
        while j < n and string[j] >= 128:
            j += 1
        if j > i:
            parts.append(string[i:j])
        i = j
        while j < n and string[j] < 128:
            j += 1
        if j == i:
            continue
        buffer = bytearray()
        k = i
        while k < j:
            c = string[k]
            if c == 37 and k + 2 < j:  # `%` and two hex digits (of this run)
                c1 = string[k + 1]
                c2 = string[k + 2]
                high = _hex(c1)
                low = _hex(c2)
                if high >= 0 and low >= 0:
                    buffer.append(high * 16 + low)
                    k += 3
                    continue
            buffer.append(<int> c)
            k += 1
        parts.append(PyUnicode_DecodeUTF8(buffer, len(buffer), "replace"))
        i = j
    return u"".join(parts)


def unquote(str string):
    """`_unquote`, for the tests that compare it with urllib's."""
    return _unquote(string) if u"%" in string else string


# --- the glue: the twin of scanner.scan_body_pure ------------------------------------------------------


cdef list _merged(list regions):
    """types.merged for regions found in order: regions on adjacent lines joined."""
    cdef list result = []
    cdef tuple last
    for region in regions:
        if result:
            last = result[-1]
            if <Py_ssize_t> region[0] <= <Py_ssize_t> last[1] + 1:
                result[-1] = (last[0], max(last[1], region[1]), last[2], max(last[3], region[3]))
                continue
        result.append(region)
    return result


def plain_blocks(str text, Py_ssize_t start, Py_ssize_t first_line):
    """The fast path's block structure as blocks._scan_plain gives it (None: mistune decides), for the
    tests that compare both with mistune."""
    from vaultkit.parse.types import Blocks, HeadingBlock, Region

    plain = _scan_plain(_Text(text), start, first_line)
    if plain is None:
        return None
    return Blocks(
        tuple(Region(*region) for region in _merged(plain[0])), tuple(HeadingBlock(*block) for block in plain[1])
    )


def scan_body(str text, Py_ssize_t start, Py_ssize_t first_line):
    """What `text[start:]` holds, whose first line is line `first_line` (0-based) of the note: links in
    document order, headings, block ids, comments, the line ranges of code and HTML blocks."""
    cdef _Text t = _Text(text)
    cdef list regions, heading_blocks, segments = []
    cdef Py_ssize_t pos = start, n = t.n
    cdef _Inline scan
    plain = _scan_plain(t, start, first_line)
    if plain is None:
        from vaultkit.parse.mistune_blocks import scan_blocks_mistune

        blocks = scan_blocks_mistune(text, start, first_line)
        regions = list(blocks.excluded)
        heading_blocks = list(blocks.headings)
        html_comments = blocks.comments
    else:
        regions = _merged(plain[0])
        heading_blocks = plain[1]
        html_comments = ()
    for region in regions:
        if region[2] > pos:
            segments.append((pos, region[2]))
        if region[3] > pos:
            pos = region[3]
    if pos < n:
        segments.append((pos, n))
    scan = _Inline(t)
    scan.scan(segments)
    links = scan.links
    if len(links) > 1:
        links.sort(key=_LINE_COLUMN)
    headings = _headings(t, heading_blocks, scan.hidden)
    if html_comments:
        from vaultkit.parse.scanner import comments
        from vaultkit.parse.types import Blocks

        found = comments(text, Blocks(tuple(regions), (), html_comments), _inline.InlineScan(comments=scan.comments))
    else:
        found = tuple(scan.comments)
    code_lines = tuple([(region[0] + 1, region[1] + 1) for region in regions])
    return links, headings, block_id_set(scan.block_ids), found, code_lines


cdef tuple _headings(_Text t, list blocks, list hidden):
    cdef list found = []
    cdef Py_ssize_t offset, column, end_column, line_end, index
    cdef str text = t.text
    for block in blocks:
        offset = block[4]
        if hidden and _inside_any(hidden, offset):
            continue  # inside an Obsidian %% comment
        column = block[5]
        if column:
            end_column = block[6] + 1
        else:
            line_end = t.line_end(offset)
            line_text = text[offset:line_end]
            title = block[2]
            index = line_text.find(title) if title else -1
            column = index + 1 if index >= 0 else len(line_text) - len(line_text.lstrip(u" \t>#")) + 1
            end_column = len(line_text) + 1
        heading = _record(Heading, 6)
        _put(heading, 0, block[1])
        _put(heading, 1, intern(block[2]))
        _put(heading, 2, block[0] + 1)
        _put(heading, 3, column)
        _put(heading, 4, block[3] + 1)
        _put(heading, 5, end_column)
        found.append(heading)
    return tuple(found)


cdef bint _inside_any(list ranges, Py_ssize_t offset):
    for start, end in ranges:
        if start <= offset < end:
            return True
    return False
