"""RE2 patterns in PostgreSQL's and Java's (Spark's) flavours, or refused.

The three engines agree on far less than their syntax suggests: PostgreSQL's ``.`` matches a
newline and its ``\\d``, ``\\w``, ``\\s`` and ``[[:alpha:]]`` follow the locale; Java's ``$``
also matches before a final newline, ``[`` nests and ``&&`` intersects inside a class; case
folding differs everywhere. So a pattern is rewritten token by token into constructs whose
meaning is the same in RE2 and the target (``.`` -> ``[^\\n]``, ``\\d`` -> ``[0-9]``, ``$`` -> the
end of the text, punctuation escaped, control characters by code), and anything without such
a rewrite (word boundaries, Unicode classes, flags, POSIX classes, ranges beyond ASCII, Java's
repeat limits) is ``Unsupported``, naming the construct. DuckDB runs RE2 itself and needs none
of this.
"""

from __future__ import annotations

from .dialect import Unsupported

__all__ = ["translate"]

_CLASSES = {"d": "0-9", "w": "0-9A-Za-z_", "s": "\\t\\n\\f\\r "}
_CONTROL = {"n": "\n", "t": "\t", "r": "\r", "f": "\f", "v": "\v", "a": "\a"}
_PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_REFUSED = {"b": "a word boundary (\\b)", "B": "\\B", "p": "a Unicode class (\\p)",
            "P": "a Unicode class (\\P)", "C": "\\C (any byte)", "A": None, "z": None}
#: PostgreSQL's largest bound in a counted repetition (RE_DUP_MAX).
_PG_REPEAT = 255


def translate(pattern: str, flavour: str) -> str:
    """``pattern`` (valid RE2, NFC) as a ``postgres`` or ``spark`` pattern with the same
    matches, searched anywhere in the text; ``Unsupported`` naming what cannot be."""
    return _Translator(pattern, flavour).run()


class _Translator:
    def __init__(self, pattern: str, flavour: str) -> None:
        self.p, self.flavour, self.i = pattern, flavour, 0
        self.out: list[str] = []

    def refuse(self, what: str) -> Unsupported:
        return Unsupported(f"the pattern construct {what} in /{self.p}/")

    def char(self, c: str) -> str:
        """One character standing for itself, outside or inside a class."""
        if c in _PUNCTUATION:
            return "\\" + c
        if c.isprintable():
            return c
        code = ord(c)
        if self.flavour == "spark":
            return f"\\x{{{code:x}}}"
        return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"

    def run(self) -> str:
        p = self.p
        while self.i < len(p):
            c = p[self.i]
            if c == "\\":
                self.out.append(self.escape(in_class=False))
            elif c == "[":
                self.out.append(self.klass())
            elif c == ".":
                self.out.append("[^\\n]")
                self.i += 1
            elif c == "$":
                self.out.append("\\z" if self.flavour == "spark" else "$")
                self.i += 1
            elif c == "(":
                self.out.append(self.group())
            elif c == "{":
                self.out.append(self.counted())
            elif c in "^|)*+?":
                self.out.append(c)
                self.i += 1
            else:
                self.out.append(self.char(c))
                self.i += 1
        return "".join(self.out)

    def group(self) -> str:
        p, i = self.p, self.i
        if not p.startswith("(?", i):
            self.i += 1
            return "("
        if p.startswith("(?:", i):
            self.i += 3
            return "(?:"
        if p.startswith(("(?P<", "(?<"), i):  # a name does not change what matches
            self.i = p.index(">", i) + 1
            return "("
        raise self.refuse("a flag group " + p[i:p.find(")", i) + 1 or None])

    def counted(self) -> str:
        p, i = self.p, self.i
        stop = p.find("}", i)
        body = p[i + 1:stop] if stop > 0 else ""
        low, _, high = body.partition(",")
        if stop < 0 or not (low.isdigit() and low.isascii()) or (
                high and not (high.isdigit() and high.isascii())):
            self.i += 1
            return "\\{"  # RE2 reads a brace that is not a repetition as itself
        if self.flavour == "postgres" and max(int(low), int(high or 0)) > _PG_REPEAT:
            raise self.refuse(f"a repetition bound over {_PG_REPEAT} ({{{body}}})")
        self.i = stop + 1
        return "{" + body + "}"

    def escape(self, in_class: bool) -> str:
        p, i = self.p, self.i
        c = p[i + 1]
        self.i += 2
        if c in _CLASSES or c.lower() in _CLASSES:
            members = _CLASSES[c.lower()]
            if c.islower():
                return members if in_class else f"[{members}]"
            if in_class:
                raise self.refuse(f"\\{c} inside a class")
            return f"[^{members}]"
        if c in _CONTROL:
            return self.char(_CONTROL[c])
        if c == "x":
            braced = p.startswith("{", i + 2)
            stop = p.index("}", i + 2) + 1 if braced else i + 4
            digits = p[i + 3:stop - 1] if braced else p[i + 2:stop]
            self.i = stop
            return self.char(chr(int(digits, 16)))
        if c == "Q":
            stop = p.find("\\E", i + 2)
            stop = len(p) if stop < 0 else stop
            self.i = min(len(p), stop + 2)
            return "".join(self.char(ch) for ch in p[i + 2:stop])
        if c in ("A", "z") and not in_class:
            if c == "A":
                return "^"
            return "\\z" if self.flavour == "spark" else "$"
        if c.isascii() and not c.isalnum():
            return self.char(c)
        raise self.refuse(_REFUSED.get(c) or f"\\{c}")

    def klass(self) -> str:
        p = self.p
        self.i += 1
        out = ["["]
        if p.startswith("^", self.i):
            out.append("^")
            self.i += 1
        first = True
        while self.i < len(p) and (p[self.i] != "]" or first):
            first = False
            if p.startswith("[:", self.i):
                raise self.refuse("a POSIX class " + p[self.i:p.find(":]", self.i) + 2])
            low, low_text = self.member()
            if p.startswith("-", self.i) and not p.startswith("-]", self.i):
                self.i += 1
                high, high_text = self.member()
                if low is None or high is None or not (low.isascii() and high.isascii()):
                    raise self.refuse("a range beyond ASCII in a class")
                out.append(f"{low_text}-{high_text}")
            else:
                out.append(low_text)
        self.i += 1
        out.append("]")
        return "".join(out)

    def member(self) -> tuple[str | None, str]:
        """One member of a class: (the character, or None for a class escape; its text)."""
        c = self.p[self.i]
        if c != "\\":
            self.i += 1
            return c, self.char(c)
        start = self.i
        text = self.escape(in_class=True)
        escaped = self.p[start + 1]
        if escaped.lower() in _CLASSES:
            return None, text
        if escaped in _CONTROL:
            return _CONTROL[escaped], text
        if escaped == "x":
            body = self.p[start + 2:self.i].strip("{}")
            return chr(int(body, 16)), text
        return escaped, text
