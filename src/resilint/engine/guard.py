"""A cheap pre-check that keeps pathological files away from libcst's parser.

The engine runs :func:`scan` on every file before libcst sees it (whole or
sliced): a ``syntax`` refusal is a syntax error (REL001), a ``limit`` refusal
the not-analysed event (REL003); an accepted file also gets a cost estimate
(:func:`estimated_seconds`) the runner uses to decide whether it may be parsed
in process or must go to an isolated worker with a time budget.

libcst 1.9's native (Rust) parser recurses once or more per level of syntactic
nesting and per operand of a left-nested chain, and overflows the C stack --
a segfault that takes the whole process down -- on valid code such as a
10,000-operand ``a and a and ...`` or 1,200 nested calls.  Some shapes are
also super-linear (nested calls are quadratic).  Nothing inside the process
can catch a segfault, so the only in-process defence is to measure the text
*before* libcst sees it.  See notes/robustness.md for the numbers behind every
threshold below.

The scan is one pass of a compiled regular expression over the text that
stops only at "interesting" characters (brackets, operators, separators, a
few keywords, strings, comments, newlines); identifiers, numbers and
whitespace are skipped at C speed.  It never imports, tokenizes with
``tokenize`` or builds an ``ast`` -- ``ast.parse`` alone costs ~10-15 % of a
libcst parse, too much for a guard that runs on every file.

Soundness argument (why the scan never *under*-estimates):

* Every nesting level libcst can build in an expression is either a bracket
  (``( [ {`` including call/subscript trailers, f-string fields and f-strings
  themselves) or an operator/keyword token that links two operands or
  prefixes one (``+ . and not lambda if await ...``).  Inside one bracket,
  per comma-free segment, the scan keeps one chain counter per precedence
  level (a binary operator closes the tighter chains to its left; a prefix
  closes nothing).  Along any root-to-leaf path the levels only get tighter,
  so the segment's depth is at most the sum of the longest chains per level
  plus the deepest bracket group in it; a closed group or a string adds a
  link, so ``a()()()`` and ``'a' 'a'`` chains are counted too.  ``+``/``-``
  are unary unless they follow an operand character; exponent signs are
  consumed with their number.
* Statement nesting is bounded by the indentation levels (libcst and CPython
  both stop at 100) plus consecutive ``elif`` clauses at each enclosing level
  (libcst nests each ``elif`` inside the previous ``If``).
* Time: left-recursive chains re-parse what precedes each link (charged as
  MAX_QUADRATIC), and every bracket re-parses its contents (tokens deeper
  than DEEP_FROM brackets are charged per extra level).
* Over-counting (comparisons are flat in libcst, ``not`` in ``not in``) only
  lowers the margin; the thresholds are far
  above what hand-written code reaches (see the real-code check in
  notes/robustness.md).

Brackets nested more than 200 deep outside f-strings are a *syntax error* in
every CPython from 3.10 to 3.13 ("too many nested parentheses"); that is
reported with ``kind="syntax"`` so the caller can emit REL001 rather than a
"not analysed" finding.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Literal

__all__ = ["Refusal", "Scan", "assess", "scan", "estimated_seconds", "MAX_BRACKETS", "MAX_CHAIN", "MAX_DEPTH", "MAX_COST", "MAX_QUADRATIC", "MAX_STRINGS", "MAX_BYTES"]

# --- thresholds (all derived in notes/robustness.md) ---------------------------------
#: CPython's tokenizer (MAXLEVEL) rejects the 201st nested bracket: a syntax error.
MAX_BRACKETS = 200
#: links (operators, prefixes, trailers) of one chain in one comma-free segment;
#: MAX_CHAIN links join more than MAX_CHAIN operands.
MAX_CHAIN = 800
#: libcst rejects a concatenation of 3,031 string literals with a (false)
#: ParserSyntaxError; 3,000 parse in 0.1 s.  pydoc_data/topics.py has ~2,300.
MAX_STRINGS = 2_900
#: weighted nesting budget, in "chain-link" units (one operator = 1).
MAX_DEPTH = 3_000
#: a bracket costs this many links of C stack in libcst (1,200 nested calls crash,
#: a chain crashes at ~9,000 links; nested calls are also quadratic in time).
BRACKET_WEIGHT = 6
#: an indentation level, in links (CPython and libcst both stop at 100 levels).
INDENT_WEIGHT = 4
#: an elif clause, in links (a chain of 8,300 crashes, like ~7,000 and-links).
ELIF_WEIGHT = 1
#: a lambda, in links (3,500 nested lambdas crash): counted twice.
LAMBDA_WEIGHT = 2
#: libcst's left-recursive rules (binary operators, trailers) re-parse the
#: chain so far at every link: 1,000 x "a +" takes 0.22 s but 450 terms of
#: "3*a*b**2*c - 4*d*e" 1.4 s.  The guard charges, per segment, the tokens
#: scanned before each such link (nested groups included).
MAX_QUADRATIC = 2_000_000
#: libcst re-parses the contents of every enclosing bracket (150 nested calls
#: around a 10,000-element list take 10 s, the list alone 0.4 s), so tokens
#: deeper than DEEP_FROM brackets are charged (depth - DEEP_FROM) each; below
#: that the extra cost is a bounded factor of the linear cost.
DEEP_FROM = 8
MAX_DEEP_COST = 75_000
#: linear-cost size caps.  libcst needs ~50 us per list element and ~125 us
#: per simple statement line here, so a cost of tokens + 2 x lines above
#: MAX_COST is 20 s or more of parsing: far past any sane time budget, refused
#: without spending it.  Everything below is left to the per-file time budget
#: (isolation.py), because big-but-ordinary files are legitimate.
MAX_COST = 500_000
MAX_BYTES = 16_000_000


@dataclass(frozen=True)
class Refusal:
    """Why a file is not handed to libcst.  ``kind="syntax"`` means CPython itself
    rejects the file (report it as a syntax error, REL001); ``kind="limit"``
    means the file is valid as far as we know but beyond what libcst survives
    (report it as not analysed, REL003)."""

    reason: str
    line: int
    kind: Literal["limit", "syntax"] = "limit"


@dataclass(frozen=True)
class Scan:
    """The guard's verdict (``refusal`` None: libcst may parse it) and the
    super-linear work it measured on the way: ``quadratic`` (tokens re-parsed by
    left-recursive links, summed over the file) and ``deep`` (token-levels beyond
    DEEP_FROM brackets)."""

    refusal: Refusal | None
    quadratic: int = 0
    deep: int = 0


#: seconds of libcst parse per unit, measured idle on 2 cores (notes/robustness.md):
#: ~17 us per character at worst (a flat list literal; ordinary code is ~4 us),
#: 0.45 us per quadratic unit (2 M = 0.9 s), 8 us per deep token-level (75 k = 0.6 s).
_SECONDS_PER_CHAR = 17e-6
_SECONDS_PER_QUADRATIC = 0.45e-6
_SECONDS_PER_DEEP = 8e-6


def estimated_seconds(chars: int, result: Scan) -> float:
    """A pessimistic estimate of libcst's parse time for an accepted file of
    ``chars`` characters (the caller decides whether it fits in a time budget)."""
    return chars * _SECONDS_PER_CHAR + result.quadratic * _SECONDS_PER_QUADRATIC + result.deep * _SECONDS_PER_DEEP


# One alternation; group order matters only for ties at the same position.
# Non-f strings are consumed whole by the regex (so their contents are never
# looked at); f-strings are entered and their replacement fields scanned as code.
_Q1 = r"[^'\\\r\n]*(?:\\(?:\r\n|.)[^'\\\r\n]*)*'"
_Q2 = _Q1.replace("'", '"')
_T1 = r"[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*'''"
_T2 = _T1.replace("'", '"')
# Skipped at C speed before every token: blanks, identifiers that are neither
# a counted keyword nor a string prefix, and whole numbers (so the sign of an
# exponent is never read as an operator).  Every character either belongs here
# or starts one of the alternatives below (the last one catches anything), so
# the greedy skip never has to backtrack.
_SKIP = (
    r"(?:[ \t\f]+"
    r"|(?!(?:and|or|not|lambda|if|else|await|in|is|for|yield)\b|[rRbBuUfFtT]{1,2}['\"])[^\W\d]\w*"
    r"|0[xXoObB][\w]*"
    r"|(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][-+]?[\d_]+)?[jJ]?(?!\w)"
    r")*"
)
_TOKEN = re.compile(
    _SKIP + r"(?:(?P<nl>(?:\r\n?|\n)(?:[ \t\f]*(?:\#[^\r\n]*)?(?:\r\n?|\n))*(?P<ind>[ \t\f]*))"
    r"|(?P<cont>\\(?:\r\n?|\n))"
    r"|(?P<com>\#[^\r\n]*)"
    rf"|(?P<str>(?:(?<![\w])[rRbBuU]{{1,2}})?(?:'''{_T1}|\"\"\"{_T2}|'{_Q1}|\"{_Q2}))"
    r"|(?<![\w])(?P<fpre>[rR]?[fFtT][rR]?(?P<fq>'''|\"\"\"|'|\"))"
    r"|(?P<open>[(\[{])"
    r"|(?P<close>[)\]}])"
    r"|(?P<sep>[,;])"
    r"|(?P<colon>:(?!=))"
    r"|(?P<num>(?<![\w.])(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)[eE][-+]?[\d_]+)"
    r"|(?P<op>\*\*|//|<<|>>|[-+*/%@&|^~<>.]|[=!]=)"
    r"|\b(?P<kw>and|or|not|lambda|if|else|await|in|is|for|yield)\b"
    r"|(?P<badq>['\"])"
    r"|(?P<other>.)|\Z)",
    re.S,
)
# Inside an f-string's literal part: doubled braces, escapes, a field, the end.
_FBODY = {
    q: re.compile(r"\{\{|\}\}|\\N\{[A-Za-z0-9 \-]*\}|\\.|(?P<open>\{)|(?P<close>\})|(?P<end>" + re.escape(q) + ")", re.S)
    for q in ("'", '"', "'''", '"""')
}
# A run of *simple lines*, skipped in one match (most lines of real code are
# simple, and the per-token loop below is the guard's whole cost).  A simple line
# is at most _SIMPLE_LEN characters, has no backslash, no f- or t-string, every
# string closed on the line, brackets balanced and at most 3 deep, and ends in a
# comment or nothing.  Such a line is a whole logical line (it is only tried at
# bracket depth 0), so the chains, depth and quadratic cost it can hold are
# bounded by its length: at most _SIMPLE_LEN links (< MAX_CHAIN), depth
# _SIMPLE_LEN + 3 x BRACKET_WEIGHT on top of the statement nesting (tried only
# when that stays within MAX_DEPTH), _SIMPLE_LEN ** 2 quadratic units (< MAX_QUADRATIC),
# no token deeper than DEEP_FROM.  Lines after the first must have exactly the
# first line's indentation and not start with elif/else, so the indentation
# stack is unchanged; skipping the reset of an elif run only over-counts.
_SIMPLE_LEN = 300
_FAST_MAX_STMT = MAX_DEPTH - _SIMPLE_LEN - 3 * BRACKET_WEIGHT
# Possessive quantifiers (Python 3.11+) keep a failing line from backtracking; on
# older Pythons the fast path is simply off.
_S_STR = r"""(?<![fFtT])(?<![fFtT][rRbB])(?:'[^'\\\r\n]*+(?:\\[^\r\n][^'\\\r\n]*+)*+'|"[^"\\\r\n]*+(?:\\[^\r\n][^"\\\r\n]*+)*+")"""
_S_G0 = r"""[^'"\#\\()\[\]{}\r\n]++|""" + _S_STR


def _group(inner: str) -> str:
    return rf"\((?:{inner})*+\)|\[(?:{inner})*+\]|\{{(?:{inner})*+\}}"


_S_G1 = _S_G0 + "|" + _group(_S_G0)
_S_G2 = _S_G0 + "|" + _group(_S_G1)
_S_G3 = _S_G0 + "|" + _group(_S_G2)
_S_LINE = rf"(?=[^\r\n]{{0,{_SIMPLE_LEN}}}(?:\r?\n|\Z))(?:{_S_G3})*+(?:\#[^\r\n]*+)?(?=\r?\n|\Z)"


@cache
def _simple_run() -> re.Pattern[str] | None:
    """The run matcher, compiled when the first file is scanned (a run that
    parses nothing never needs it). One copy of _S_LINE, not two: a line after
    the first must follow a newline and the first line's indentation, which the
    conditional ``(?(N)...)`` asks once the empty group N closing each line has
    matched. Same matches as ``LINE(?:SEP LINE)*+``, at half the compile time."""
    marker = 2  # group 1 is the indentation; _S_LINE has no capturing groups
    try:
        return re.compile(
            rf"(?P<i>[ \t\f]*+)(?:(?({marker})\r?\n(?:[ \t\f]*+(?:\#[^\r\n]*+)?\r?\n)*+(?P=i)(?![ \t\f])"
            rf"(?!(?:elif|else)\b)){_S_LINE}())++"
        )
    except re.error:  # Python 3.10: no possessive quantifiers
        return None


# The run matcher takes ~15 ms to compile and saves ~0.25 us per character scanned
# (measured on real code): a process compiles it once the text it has scanned, this
# file included, passes this many characters. A one-file check never pays for it.
FAST_PATH_AFTER_CHARS = 64_000
_scanned = [0]  # characters scanned by this process so far


def _fast_path_pays(n_chars: int) -> bool:
    if _simple_run.cache_info().currsize:  # compiled already (an earlier file, or a parent process)
        return True
    _scanned[0] += n_chars
    return _scanned[0] >= FAST_PATH_AFTER_CHARS


_ELIF = re.compile(r"elif\b")
_ELSE = re.compile(r"else\b")

# frame kinds
_BRACKET, _FSTRING, _FIELD, _SPEC = 0, 1, 2, 3

# Precedence levels, loosest first.  A binary operator at level p closes every
# chain at a tighter level (they become its left operand) and extends its own
# chain; a prefix operator extends its level's chain and closes nothing.  Along
# any root-to-leaf path of an unbracketed expression the levels only get
# tighter, so the depth of a segment is at most the sum over levels of the
# longest chain seen at that level.  Merging levels (the four bitwise ones)
# only over-counts.
_LOOSE, _OR, _AND, _NOT, _CMP, _BIT, _ADD, _MUL, _UNARY, _POW, _AWAIT, _TRAILER, _STRINGS = range(13)
_NLEVELS = 13
_ZEROS = [0] * _NLEVELS
_BINARY = {
    "if": _LOOSE, "else": _LOOSE, "for": _LOOSE, "or": _OR, "and": _AND,
    "<": _CMP, ">": _CMP, "==": _CMP, "!=": _CMP, "in": _CMP, "is": _CMP,
    "|": _BIT, "^": _BIT, "&": _BIT, "<<": _BIT, ">>": _BIT,
    "+": _ADD, "-": _ADD, "*": _MUL, "/": _MUL, "//": _MUL, "%": _MUL, "@": _MUL,
    "**": _POW, ".": _TRAILER,
}
_PREFIX = {"lambda": _LOOSE, "yield": _LOOSE, "not": _NOT, "~": _UNARY, "await": _AWAIT}
# a + or - after one of these characters (skipping blanks) is binary, else unary
_OPERAND_END = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_)]}'\"")


def _line(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def _too_deep(depth: int, text: str, pos: int) -> Refusal:
    line = _line(text, pos)
    return Refusal(f"too deeply nested (depth {depth:,} at line {line}; the limit is {MAX_DEPTH:,})", line)


class _Frame:
    """Chain bookkeeping for one bracket (or f-string, field, spec, statement)."""

    __slots__ = ("kind", "quote", "plain", "c", "m", "child", "best", "tok", "all", "q", "dirty")

    def __init__(self, kind: int, quote: str, plain: int) -> None:
        self.kind, self.quote, self.plain = kind, quote, plain
        self.c = _ZEROS[:]  # current chain length per level
        self.m = _ZEROS[:]  # longest chain per level in this segment
        self.child = 0  # deepest closed bracket group in this segment
        self.best = 0  # deepest finished segment
        self.tok = 0  # tokens in this segment, nested groups included
        self.all = 0  # tokens in this frame, nested groups included
        self.q = 0  # sum, over left-recursive links in this segment, of the tokens before them
        self.dirty = False  # a chain counter of this segment moved

    def end_segment(self) -> None:
        if not self.dirty:  # no link in this segment (a list element, a plain line): nothing to reset
            if self.child > self.best:
                self.best = self.child
            self.all += self.tok
            self.tok = self.q = self.child = 0
            return
        self.dirty = False
        d = sum(self.m) + self.child
        if d > self.best:
            self.best = d
        self.all += self.tok
        self.tok = self.q = 0
        self.c = _ZEROS[:]
        self.m = _ZEROS[:]
        self.child = 0

    def depth(self) -> int:
        return max(self.best, sum(self.m) + self.child)

    def atom(self, inner: int, level: int = _TRAILER) -> int:
        """A closed group (a trailer link) or a string (a link of an implicit
        concatenation) holding a subtree of depth ``inner``."""
        if inner > self.child:
            self.child = inner
        self.dirty = True
        c = self.c
        c[level] += 1
        if c[level] > self.m[level]:
            self.m[level] = c[level]
        return c[level]


def assess(text: str) -> Refusal | None:
    """Return why ``text`` must not be given to libcst, or None if it is safe."""
    return scan(text).refusal


def scan(text: str, *, fast: bool | None = None) -> Scan:
    """Why ``text`` must not be given to libcst (``refusal``), or None if it is
    safe, with the super-linear work measured on the way.

    Linear in ``len(text)``; stops at the first problem.  It does not decide
    whether the file is valid Python (libcst and ``ast`` do that); it only
    bounds how deep, how long and how big libcst's work can get, so garbage
    input is simply scanned like code. ``fast``: skip runs of simple lines with one
    regex match (True), scan them token by token (False), or the first once this
    process has scanned enough text for the regex to pay for its compilation
    (None; the tests prove the fast path never refuses less)."""
    stats = [0, 0]
    refusal = _assess(text, stats, fast)
    return Scan(refusal, stats[0], stats[1])


def _assess(text: str, stats: list[int], allow_fast: bool | None) -> Refusal | None:
    n_chars = len(text)
    if n_chars > MAX_BYTES:
        return Refusal(f"file too large: {n_chars:,} characters (the limit is {MAX_BYTES:,})", 1)

    root = _Frame(_BRACKET, "", 0)
    frames: list[_Frame] = [root]
    f = root
    plain = 0  # brackets since the innermost f-string field (CPython's 200 applies)
    tokens = 0  # a size measure that tracks libcst's linear cost
    deep = 0  # sum over tokens of (bracket depth - DEEP_FROM), where positive
    quadratic = 0  # sum over segments of their q (see _Frame.q)
    # Simple lines are skipped in one regex match (see _simple_run) when the file
    # is small enough that the token count cannot reach MAX_COST without them.
    n_lines = text.count("\n")
    token_room = MAX_COST - 2 * n_lines  # the size cap, in tokens still allowed
    if token_room < 0:
        return _too_large(2 * n_lines)
    use_fast = allow_fast if allow_fast is not None else _fast_path_pays(n_chars)
    simple_run = _simple_run() if use_fast else None
    fast = simple_run is not None and n_chars + 2 * n_lines <= MAX_COST
    # Statements: indentation widths and, per level, the current run of elif clauses.
    indents: list[int] = [0]
    elifs: list[int] = [0]
    stmt = 0  # weighted statement nesting of the current logical line
    elif_sum = 0
    pos = 0
    token = _TOKEN.search
    while True:
        kind = f.kind
        if kind == _FSTRING or kind == _SPEC:
            m = _FBODY[f.quote].search(text, pos)
            if m is None:
                stats[:] = [quadratic, deep]
                return None  # unterminated f-string: a syntax error libcst reports at once
            pos = m.end()
            g = m.lastgroup
            if g == "open":
                f = _Frame(_FIELD, f.quote, plain)
                frames.append(f)
                plain = 0
            elif g == "close" and kind == _SPEC:  # ends the spec and its field
                inner = f.depth() + BRACKET_WEIGHT
                frames.pop()
                f = frames[-1]
                f.child = max(f.child, inner)
                inner = f.depth() + BRACKET_WEIGHT
                plain = f.plain
                frames.pop()
                f = frames[-1]
                f.child = max(f.child, inner)
            elif g == "end":
                inner = 0
                while True:
                    top = frames.pop()
                    top.child = max(top.child, inner)
                    inner = top.depth() + BRACKET_WEIGHT
                    if top.kind == _FSTRING:
                        break
                plain = top.plain
                f = frames[-1]
                if f.atom(inner, _STRINGS) > MAX_STRINGS:
                    return _chain(text, pos, MAX_STRINGS, "implicitly concatenated strings")
            continue
        m = token(text, pos)
        g = m.lastgroup
        if g is None or g == "other":  # end of text, or a character nothing counts
            if m.end() >= n_chars and g is None:
                break
            pos = m.end()
            continue
        tokens += 1
        if tokens > token_room:  # already too large: say so without scanning the rest
            return _too_large(tokens + 2 * n_lines)
        f.tok += 1
        nb = len(frames)
        if nb > DEEP_FROM:
            deep += nb - DEEP_FROM
            if deep > MAX_DEEP_COST:
                line = _line(text, pos)
                return Refusal(f"too deeply nested for its size (more than {MAX_DEEP_COST:,} token-levels beyond depth {DEEP_FROM} by line {line})", line)
        start = m.start(g)
        pos = m.end()
        if g == "op" or g == "kw":
            op = m.group(g)
            level = _BINARY.get(op)
            if (op == "-" or op == "+"):
                j = start - 1
                while j >= 0 and text[j] in " \t":
                    j -= 1
                if j < 0 or text[j] not in _OPERAND_END:
                    level = None
                    op = "~"
            c = f.c
            f.dirty = True
            if level is not None:  # binary: tighter chains become its left operand
                c[level + 1 :] = _ZEROS[level + 1 :]
                if level >= _BIT and level != _UNARY:  # left-recursive in libcst's grammar
                    f.q += f.tok
                    quadratic += f.tok
                    if f.q > MAX_QUADRATIC:
                        return _quadratic(text, pos)
            else:
                level = _PREFIX[op]
            n = c[level] + (LAMBDA_WEIGHT if op == "lambda" else 1)
            c[level] = n
            if n > f.m[level]:
                f.m[level] = n
                if n >= MAX_CHAIN:  # n links join n + 1 operands
                    return _chain(text, pos)
        elif g == "str":
            if f.atom(0, _STRINGS) > MAX_STRINGS:
                return _chain(text, pos, MAX_STRINGS, "implicitly concatenated strings")
        elif g == "sep":
            f.end_segment()
        elif g == "open" or g == "fpre":
            if g == "fpre":
                f = _Frame(_FSTRING, m.group("fq"), plain)
            else:
                f = _Frame(_BRACKET, f.quote, plain)
                plain += 1
                if plain > MAX_BRACKETS and not f.quote:
                    return Refusal("too many nested parentheses", _line(text, pos), "syntax")
            frames.append(f)
            if len(frames) * BRACKET_WEIGHT + stmt > MAX_DEPTH:
                return _too_deep(len(frames) * BRACKET_WEIGHT + stmt, text, pos)
        elif g == "close":
            if len(frames) > 1:  # kind is _BRACKET or _FIELD here; a stray closer is ignored
                inner = f.depth() + BRACKET_WEIGHT
                frames.pop()
                plain = f.plain
                size = f.all + f.tok
                f = frames[-1]
                f.tok += size
                f.q += f.tok
                quadratic += f.tok
                if f.q > MAX_QUADRATIC:
                    return _quadratic(text, pos)
                if f.atom(inner) >= MAX_CHAIN:
                    return _chain(text, pos)
        elif g == "colon":
            if kind == _FIELD:
                f = _Frame(_SPEC, f.quote, plain)
                frames.append(f)
        elif g == "nl":
            if len(frames) > 1:
                continue  # implicit line joining inside brackets
            d = stmt + root.depth()
            if d > MAX_DEPTH:
                return _too_deep(d, text, start)
            root.best = 0
            root.end_segment()
            width = len(m.group("ind").expandtabs(8))
            if width > indents[-1]:
                indents.append(width)
                elifs.append(0)
            else:
                while width < indents[-1]:
                    indents.pop()
                    elif_sum -= elifs.pop()
            if _ELIF.match(text, pos):
                elifs[-1] += 1
                elif_sum += 1
            elif not _ELSE.match(text, pos):
                elif_sum -= elifs[-1]
                elifs[-1] = 0
            stmt = INDENT_WEIGHT * (len(indents) - 1) + ELIF_WEIGHT * elif_sum
            if stmt > MAX_DEPTH:
                return _too_deep(stmt, text, pos)
            if fast and stmt <= _FAST_MAX_STMT:
                line_start = start + len(m.group("nl")) - len(m.group("ind"))
                run = simple_run.match(text, line_start)  # type: ignore[union-attr]
                if run is not None and run.end() > pos:
                    pos = run.end()  # at the newline ending the run's last line
        # numbers, comments, continuations and stray quotes need nothing
    # end of text: close whatever is open (unbalanced input is a syntax error,
    # but bound it anyway) and check the last statement
    inner = 0
    while len(frames) > 1:
        top = frames.pop()
        top.child = max(top.child, inner)
        inner = top.depth() + BRACKET_WEIGHT
    root.child = max(root.child, inner)
    d = stmt + root.depth()
    if d > MAX_DEPTH:
        return _too_deep(d, text, n_chars)
    stats[:] = [quadratic, deep]
    if tokens + 2 * n_lines > MAX_COST:
        return _too_large(tokens + 2 * n_lines)
    return None


def _too_large(cost: int) -> Refusal:
    return Refusal(f"file too large: size {cost:,} or more (tokens + 2 x lines; the limit is {MAX_COST:,})", 1)


def _quadratic(text: str, pos: int) -> Refusal:
    line = _line(text, pos)
    return Refusal(f"an expression too long for libcst (its operator chains would take quadratic time) at line {line}", line)


def _chain(text: str, pos: int, limit: int = MAX_CHAIN, what: str = "operands") -> Refusal:
    line = _line(text, pos)
    return Refusal(f"an expression chain of more than {limit:,} {what} at line {line}", line)
