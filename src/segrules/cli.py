"""The ``segrules`` command: check, format, preview, explain and export segments from a shell.

It is what a marketer's "Preview" button and a CI job need without writing Python: ``check``
reports segment text problems like a compiler, ``fmt`` rewrites files in the canonical layout,
``preview`` counts and lists a segment's members among a customer file, ``explain`` says why one
customer is in or out, ``members`` exports every customer's segments and groups, and ``sql``
prints the query that computes segments in a database.

Exit codes: 0 success; 1 a finding (``check`` found errors, ``fmt --check`` would change a
file); 2 bad input (a missing or malformed file, an unknown segment, a bad
``--now``, segment text that does not load). Bad input is reported on one line on stderr, never
as a traceback; segment text errors are reported as the compiler renders them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import functools
import io
import json
import os
import re
import stat
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any, NoReturn, ParamSpec, TypeVar

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from . import nodes as n
from . import runtime
from .book import Book
from .customers import (
    FORMATS,
    CustomerFile,
    Profile,
    Row,
    escape_surrogates,
    format_for,
    json_kind,
    json_text,
    write_members,
    write_members_parquet,
)
from .errors import Diagnostic, SegrulesError
from .explain import explain as explain_segment
from .formatter import format_text
from .lexer import SegrulesLexer
from .loader import load, parse_all, read_source, seg_files
from .schema import Schema
from .visitor import NodeVisitor

__all__ = ["cli", "main", "percent", "read_attributes"]

P = ParamSpec("P")
R = TypeVar("R")

_SEVERITY_STYLE = {"error": "bold red", "warning": "bold yellow"}
_CARET_LINE = re.compile(r"^ *\| [ \t]*\^+$")
_SOURCE_LINE = re.compile(r"^(\d+ \| )(.*)$")
_PIPED_WIDTH = 400


# --- reporting ------------------------------------------------------------------------------


class _Failure(click.ClickException):
    """Bad input: reported as given (one line, or a compiler's rendering), exit code 2."""

    exit_code = 2

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(self.message, err=True)


def _one_line(diagnostic: Diagnostic) -> str:
    code = "" if diagnostic.code == "SR000" else f"[{diagnostic.code}]"
    hint = f"; {diagnostic.hint}" if diagnostic.hint else ""
    return f"{diagnostic.severity}{code}: {diagnostic.message}{hint}"


def _failure(error: SegrulesError) -> _Failure:
    if any(d.span is not None for d in error.diagnostics):
        return _Failure(error.render())
    return _Failure("\n".join(_one_line(d) for d in error.diagnostics))


def _fail(message: str) -> NoReturn:
    raise _Failure(f"error: {message}")


def _reported(command: Callable[P, R]) -> Callable[P, R]:
    """Turn the errors bad input causes into one-line reports and exit code 2."""

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except BrokenPipeError:
            raise  # click exits quietly when the reader of our output went away
        except SegrulesError as error:
            raise _failure(error) from None
        except OSError as error:
            where = f"{error.filename}: " if error.filename else ""
            raise _Failure(f"error: {where}{error.strerror or error}") from None
        except RecursionError:
            raise _Failure("error: a customer's data is nested too deeply to process") from None
    return run


def _escape_what_cannot_be_encoded() -> None:
    """Write what stdout and stderr cannot encode (a lone surrogate from the data, or a
    character a non-UTF-8 terminal lacks) as a backslash escape instead of failing mid-output."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")


def _warn(message: str) -> None:
    sys.stdout.flush()  # after the output it is about, also when both go to one terminal
    click.echo(f"warning: {message}", err=True)


def _styled(diagnostic: Diagnostic) -> Text:
    """The rendered diagnostic for a terminal: severity and carets coloured, the source line
    highlighted with the segment language's Pygments lexer."""
    style = _SEVERITY_STYLE.get(diagnostic.severity, "bold")
    text = Text()
    for number, line in enumerate(diagnostic.render().split("\n")):
        if number:
            text.append("\n")
        source_line = _SOURCE_LINE.match(line)
        if number == 0:
            start = line.find(f"{diagnostic.severity}[")
            text.append(line)
            if start >= 0:
                end = start + len(diagnostic.severity)
                text.stylize(style, len(text) - len(line) + start, len(text) - len(line) + end)
        elif source_line:
            text.append(source_line.group(1))
            code = _highlighter().highlight(source_line.group(2))
            code.rstrip()  # highlight() ends the line with a newline of its own
            text.append_text(code)
        elif _CARET_LINE.match(line):
            caret = line.index("^")
            text.append(line[:caret])
            text.append(line[caret:], style)
        elif line.startswith("help:"):
            text.append("help", "bold cyan")
            text.append(line[len("help"):])
        else:
            text.append(line)
    return text


@functools.cache
def _highlighter() -> Syntax:
    return Syntax("", SegrulesLexer(), theme="ansi_dark", background_color="default")


def _position(diagnostic: Diagnostic) -> tuple[int, str, int, int]:
    span = diagnostic.span
    if span is None:
        return (1, "", 0, 0)
    return (0, span.source.name, span.line, span.column)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


# --- inputs ---------------------------------------------------------------------------------


def _seg_paths(paths: Iterable[str]) -> list[Path]:
    """Every ``.seg`` file under ``paths``, each once, in the order given."""
    found: dict[Path, Path] = {}
    for path in paths:
        for file in seg_files(path):
            found.setdefault(file.resolve(), file)
    return list(found.values())


def _moment(value: str | None) -> dt.datetime:
    """``--now``: an ISO-8601 date or datetime (naive = UTC); the current time when absent."""
    if value is None:
        return runtime.utcnow()
    try:
        return runtime.aware(dt.datetime.fromisoformat(value))
    except ValueError:
        _fail(f"--now: not an ISO-8601 date or datetime: {value!r} "
              "(write 2026-11-01 or 2026-11-01T09:00:00Z)")


def _session(value: str | None) -> object:
    """``--session FILE.json`` (one session object) or ``FILE.json:NAME`` (one of several).

    An object whose every value is an object is a file of named sessions, never one session:
    used whole, each session's data would sit one level too deep and match nothing, silently.
    """
    if value is None:
        return None
    path, name = value, None
    if not Path(value).exists() and ":" in value:
        path, _, name = value.rpartition(":")
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8-sig"))  # a leading BOM is skipped
    except FileNotFoundError:
        _fail(f"{path}: no such file")
    except json.JSONDecodeError as error:
        _fail(f"{path}:{error.lineno}: not valid JSON: {error.msg}")
    except UnicodeDecodeError as error:
        _fail(f"{path}: not UTF-8 text ({error.reason})")
    except RecursionError:
        _fail(f"{path}: not valid JSON: nested too deeply")
    except ValueError:  # an integer longer than Python reads
        _fail(f"{path}: not valid JSON: a number with more than "
              f"{sys.get_int_max_str_digits()} digits")
    if name is not None:
        if not isinstance(data, dict) or name not in data:
            close = difflib.get_close_matches(name, list(data) if isinstance(data, dict) else [])
            hint = f"; did you mean `{close[0]}`?" if close else ""
            _fail(f"{path}: no session named {name!r}{hint}")
        data = data[name]
    elif isinstance(data, dict) and data and all(isinstance(v, dict) for v in data.values()):
        names = ", ".join(sorted(data))
        _fail(f"{path}: a file of named sessions ({names}); pick one with --session {path}:NAME")
    if not isinstance(data, dict):
        _fail(f"{path}: a session must be a JSON object")
    return data


class _ReadAttributes(NodeVisitor):
    """What one segment reads, in order: top-level profile attribute names (``False, name``)
    and referenced segments (``True, name``)."""

    def __init__(self) -> None:
        self.reads: list[tuple[bool, str]] = []

    def visit_Attr(self, node: n.Attr) -> None:
        if node.root == "profile":
            self.reads.append((False, node.names[0]))

    def visit_Aggregate(self, node: n.Aggregate) -> None:
        # Paths inside `where` read the list's elements, not the profile.
        self.visit(node.items)

    def visit_InSegment(self, node: n.InSegment) -> None:
        self.reads.append((True, node.name))


def _reads(book: Book, name: str) -> Iterator[tuple[bool, str]]:
    visitor = _ReadAttributes()
    visitor.visit(book[name])
    return iter(visitor.reads)


def read_attributes(book: Book, name: str) -> list[str]:
    """The top-level attribute names segment ``name`` reads, in order of first appearance,
    following ``in segment`` references (with an explicit stack: chains may be long)."""
    return list(_follow(book, [name])[0])


def _follow(book: Book, roots: Iterable[str]) -> tuple[dict[str, None], set[str]]:
    """The attribute names ``roots`` read and the segments they reach (themselves included),
    following ``in segment`` references."""
    names: dict[str, None] = {}
    followed: set[str] = set()
    for root in roots:
        if root in followed:
            continue
        followed.add(root)
        stack = [_reads(book, root)]
        while stack:
            read = next(stack[-1], None)
            if read is None:
                stack.pop()
            elif not read[0]:
                names.setdefault(read[1])
            elif read[1] not in followed:
                followed.add(read[1])
                stack.append(_reads(book, read[1]))
    return names, followed


def _limited_to_stores(book: Book, names: Iterable[str]) -> list[str]:
    """The segments among ``names``, and those they are `in`, that list stores (book order)."""
    reached = _follow(book, names)[1]
    return [name for name in book.names if name in reached and book[name].stores]


class _Stores:
    """The store each customer is evaluated for: ``--store`` for everyone, else the customer's
    own store attribute (``--store-field``, ``store`` by default).

    A file of customers from several storefronts is the common case; evaluating them all for
    no store would leave every segment limited to stores empty without a word.
    """

    def __init__(self, fixed: str | None, field: str, customers: CustomerFile) -> None:
        self.fixed, self.field, self.customers = fixed, field, customers
        self.path = field.split(".")
        self.without = 0

    def __call__(self, profile: Profile, number: int) -> str | None:
        if self.fixed is not None:
            return self.fixed
        value: object = profile
        for name in self.path:
            value = value.get(name) if isinstance(value, dict) else None
        if value is None:
            self.without += 1
        elif not isinstance(value, str):
            _fail(f"{self.customers.name}: {_customer(profile, number)}: the store field "
                  f"`{self.field}` holds {json_kind(value)}, not a string (name the field "
                  "with --store-field, or give --store)")
        return value

    def warn(self, limited: list[str]) -> None:
        """Say which segments could not match the customers evaluated without a store."""
        if self.without and limited:
            have = "has" if self.without == 1 else "have"
            _warn(f"{_plural(self.without, 'customer')} {have} no store (no --store, no "
                  f"`{self.field}` field): segments limited to stores cannot match them: "
                  f"{', '.join(limited)}")


def _customer(profile: Profile, number: int) -> str:
    """A customer in a message: by id, else by position in the file."""
    customer = profile.get("id")
    return f"customer {number}" if customer is None else f"customer {str(customer)!r}"


def _cell(value: object) -> str:
    """A value in a table cell: lists of records shortened to their length, missing blank."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple | set | frozenset):
        items = list(value)
        if any(isinstance(item, dict | list) for item in items):
            return _plural(len(items), "item")
        return ", ".join(_cell(item) for item in items)
    if isinstance(value, dict):
        return json_text(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


# --- the commands -----------------------------------------------------------------------------

_segments_option = click.option(
    "--segments", "segments_path", required=True, metavar="PATH",
    help="A .seg file, or a folder of them.")
_customers_option = click.option(
    "--customers", "customers_path", required=True, metavar="FILE",
    help="Customers: .jsonl/.ndjson/.json (JSON Lines), .csv (typed headers such as age:int) "
         "or .parquet.")
_customers_format_option = click.option(
    "--customers-format", type=click.Choice(FORMATS), default=None,
    help="Format of the customer file, when its extension does not say.")
_store_option = click.option(
    "--store", default=None, metavar="S",
    help="Evaluate every customer for this store (segments with `stores`).")
_store_field_option = click.option(
    "--store-field", default="store", show_default=True, metavar="NAME",
    help="Without --store, evaluate each customer for the store in this attribute "
         "(dotted for a nested one).")
_now_option = click.option(
    "--now", default=None, metavar="ISO",
    help="Evaluate at this moment (2026-11-01 or 2026-11-01T09:00:00Z); default: now.")
_session_option = click.option(
    "--session", "session_path", default=None, metavar="FILE.json[:NAME]",
    help="Session data for `session.…`: a JSON object, or NAME from a file of named sessions.")
_schema_option = click.option(
    "--schema", "schema_path", default=None, metavar="FILE",
    help="A JSON Schema of the customer data: check attribute paths and values against it.")


def _schema(path: str | None) -> Schema | None:
    """``--schema FILE``: the attribute schema a JSON Schema file describes."""
    if path is None:
        return None
    try:
        return Schema.from_json_schema(Path(path))
    except SegrulesError as error:
        problem = error.diagnostics[0]
        hint = f"; {problem.hint}" if problem.hint else ""
        _fail(f"--schema {path}: {problem.message.removeprefix(f'{path}: ')}{hint}")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Check, format, preview and export customer segments."""
    _escape_what_cannot_be_encoded()


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@_schema_option
@_reported
def check(paths: tuple[str, ...], schema_path: str | None) -> None:
    """Check segment files and folders for errors.

    Errors and warnings are reported like a compiler's; exit code 1 when there are errors.
    With --schema, attribute paths and the values compared with them are checked too.
    """
    schema = _schema(schema_path)
    files = _seg_paths(paths)
    document, diagnostics = parse_all((read_source(file) for file in files), schema=schema)
    console = Console(highlight=False, soft_wrap=True)
    for diagnostic in sorted(diagnostics, key=_position):
        console.print(_styled(diagnostic))
        console.print()
    errors = sum(d.severity == "error" for d in diagnostics)
    warnings = len(diagnostics) - errors
    checked = f"{_plural(len(files), 'file')}, {_plural(len(document.segments), 'segment')}"
    if not diagnostics:
        console.print(Text(f"{checked}: no problems found", style="green"))
    else:
        found = f"{_plural(errors, 'error')}, {_plural(warnings, 'warning')}"
        console.print(Text(f"{checked}: {found}", style="bold red" if errors else "yellow"))
    if errors:
        sys.exit(1)


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--check", "check_only", is_flag=True,
              help="Write nothing; list the files that would change and exit 1 if any would.")
@click.option("--diff", "show_diff", is_flag=True,
              help="Write nothing; print a unified diff of the changes.")
@_reported
def fmt(paths: tuple[str, ...], check_only: bool, show_diff: bool) -> None:
    """Rewrite .seg files in the canonical layout.

    Comments are kept, or the file is left as it is; a file with errors is not rewritten.
    """
    files = _seg_paths(paths)
    changed: list[Path] = []
    broken = 0
    errors = Console(stderr=True, highlight=False, soft_wrap=True)
    for file in files:
        real = Path(os.path.realpath(file))  # a link is written through, and stays a link
        try:
            source = read_source(file)
            formatted = format_text(source.text, source.name)
        except SegrulesError as error:
            for diagnostic in error.diagnostics:
                errors.print(_styled(diagnostic) if diagnostic.span else _one_line(diagnostic))
            broken += 1
            continue
        if formatted == source.text:
            continue
        changed.append(file)
        if show_diff:
            click.echo("".join(difflib.unified_diff(
                source.text.splitlines(keepends=True), formatted.splitlines(keepends=True),
                f"a/{file}", f"b/{file}")), nl=False)
        elif check_only:
            click.echo(f"would reformat {file}")
        else:
            _write_atomic(real, formatted, str(file))
            click.echo(f"reformatted {file}", err=True)
    verb = "would be reformatted" if check_only or show_diff else "reformatted"
    summary = [f"{_plural(len(changed), 'file')} {verb}",
               f"{len(files) - len(changed) - broken} unchanged"]
    if broken:
        summary.append(f"{_plural(broken, 'file')} with errors")
    click.echo(", ".join(summary), err=True)
    if broken:
        sys.exit(2)
    if check_only and changed:
        sys.exit(1)


def _output_path(asked: str) -> Path:
    """Where ``--out`` writes: through a symbolic link to the file it points at, so the link
    stays a link; anything that is not a regular file (a pipe, a device, a folder) is refused,
    as replacing it with a file would not be what was asked."""
    try:
        kind = os.stat(asked).st_mode
    except FileNotFoundError:
        kind = stat.S_IFREG  # a new file, or the missing target of a link: created
    except OSError as error:
        _fail(f"--out {asked}: cannot write ({error.strerror})")
    if stat.S_ISDIR(kind):
        _fail(f"--out {asked}: is a folder")
    if not stat.S_ISREG(kind):
        _fail(f"--out {asked}: not a regular file (leave out --out, or write --out -, "
              "for stdout)")
    real = Path(os.path.realpath(asked))
    if not real.parent.is_dir():
        _fail(f"--out {asked}: no such folder {Path(asked).parent}")
    return real


@contextlib.contextmanager
def _atomic(path: Path, mode: int, asked: str) -> Iterator[Path]:
    """A temporary file next to ``path`` that replaces it only when the block succeeds.

    ``path`` is the real file (links resolved); errors name ``asked``, the path as the user
    wrote it, never the temporary's name.
    """
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp",
                                             dir=path.parent)
    except OSError as error:
        _fail(f"{asked}: cannot write ({error.strerror})")
    os.close(handle)
    try:
        yield Path(temporary)
        try:
            os.chmod(temporary, mode)
            descriptor = os.open(temporary, os.O_RDONLY)
            try:
                os.fsync(descriptor)
            finally:
                os.close(descriptor)
            os.replace(temporary, path)
        except OSError as error:
            _fail(f"{asked}: cannot write ({error.strerror})")
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def _new_file_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _write_atomic(path: Path, text: str, asked: str) -> None:
    with _atomic(path, path.stat().st_mode & 0o7777, asked) as temporary:
        temporary.write_text(text, encoding="utf-8", newline="")


@cli.command()
@click.argument("segment")
@_segments_option
@_customers_option
@_customers_format_option
@click.option("--limit", default=20, show_default=True, type=click.IntRange(min=0),
              help="Matching customers to list (0: all).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a table.")
@_store_option
@_store_field_option
@_now_option
@_session_option
@_schema_option
@_reported
def preview(segment: str, segments_path: str, customers_path: str,
            customers_format: str | None, limit: int, as_json: bool, store: str | None,
            store_field: str, now: str | None, session_path: str | None,
            schema_path: str | None) -> None:
    """Count and list the customers in SEGMENT.

    The table shows the attributes the segment reads, through `in segment` references too.
    """
    book = load(segments_path, schema=_schema(schema_path))
    attributes = [name for name in read_attributes(book, segment) if name != "id"]
    moment, session = _moment(now), _session(session_path)
    customers = CustomerFile(customers_path, customers_format)
    stores = _Stores(store, store_field, customers)
    total = matched = 0
    shown: list[dict[str, object]] = []
    for profile in customers:
        total += 1
        if book.matches(segment, profile, session=session, store=stores(profile, total),
                        now=moment):
            matched += 1
            if limit == 0 or len(shown) < limit:
                shown.append({"id": profile.get("id"),
                              **{name: profile.get(name) for name in attributes}})
    share = percent(matched, total)
    stores.warn(_limited_to_stores(book, [segment]))
    if as_json:
        click.echo(json_text({"segment": segment, "matched": matched, "total": total,
                              "percent": float(share), "attributes": attributes,
                              "customers": shown}))
        return
    # A table piped to a file or a pager keeps its full width; a terminal's width is its own.
    console = Console(highlight=False)
    if not console.is_terminal:
        console.width = _PIPED_WIDTH
    if shown:
        table = Table(title=segment, title_justify="left")
        table.add_column("id", no_wrap=True)
        for name in attributes:
            table.add_column(name, overflow="ellipsis", no_wrap=True, max_width=40)
        for row in shown:
            table.add_row(*(Text(escape_surrogates(_cell(value))) for value in row.values()))
        console.print(table)
    summary = f"{matched} of {_plural(total, 'customer')} match"
    console.print(Text(f"{summary} ({share}%)" if total else summary), soft_wrap=True)
    if len(shown) < matched:
        console.print(Text(f"showing the first {len(shown)}; --limit N to see more "
                           "(0 for all)", style="dim"), soft_wrap=True)


def percent(matched: int, total: int) -> str:
    """``matched`` of ``total`` as a percentage: one decimal, or as many more as it takes for a
    share that is neither none nor all not to read 0.0 or 100.0 (2 of 10000: ``0.02``)."""
    if not total:
        return "0.0"
    decimals = 1
    while True:
        scale = 10 ** decimals
        rounded = (2 * 100 * matched * scale + total) // (2 * total)  # half up, exactly
        if (matched == 0 or rounded > 0) and (matched == total or rounded < 100 * scale):
            return f"{rounded // scale}.{rounded % scale:0{decimals}d}"
        decimals += 1


@cli.command()
@click.argument("segment")
@_segments_option
@click.option("--customer", "customer_id", required=True, metavar="ID",
              help="The id of the customer to explain.")
@_customers_option
@_customers_format_option
@click.option("--json", "as_json", is_flag=True, help="Print the tree as JSON.")
@_store_option
@_store_field_option
@_now_option
@_session_option
@_schema_option
@_reported
def explain(segment: str, segments_path: str, customer_id: str, customers_path: str,
            customers_format: str | None, as_json: bool, store: str | None, store_field: str,
            now: str | None, session_path: str | None, schema_path: str | None) -> None:
    """Explain why a customer is or is not in SEGMENT.

    Every block and condition, whether it held, and the values it read.
    """
    book = load(segments_path, schema=_schema(schema_path))
    book[segment]  # an unknown name fails before the customer file is read
    moment, session = _moment(now), _session(session_path)
    customers = CustomerFile(customers_path, customers_format)
    wanted = _customer_ids(customer_id)
    found = next(((number, p) for number, p in enumerate(customers, 1)
                  if p.get("id") is not None and str(p["id"]) in wanted), None)
    if found is None:
        _fail(f"{customers_path}: no customer with id {wanted[-1]!r}")
    number, profile = found
    store = _Stores(store, store_field, customers)(profile, number)
    tree = explain_segment(book, segment, profile, session=session, store=store, now=moment)
    if as_json:
        click.echo(json_text(tree.to_dict(), indent=2))
    else:
        click.echo(escape_surrogates(str(tree)))


def _customer_ids(asked: str) -> tuple[str, ...]:
    """The ids ``--customer`` may mean: as typed; an id that is not valid Unicode as the
    ``\\uXXXX`` escapes ``preview`` shows; the same bytes given raw on the command line."""
    ids = {asked: None}
    with contextlib.suppress(UnicodeError):
        ids.setdefault(asked.encode("utf-8", "surrogateescape").decode("utf-8", "surrogatepass"))
    ids.setdefault(re.sub(r"\\u(d[89a-f][0-9a-f]{2})", lambda found: chr(int(found[1], 16)),
                          asked, flags=re.IGNORECASE))
    return tuple(ids)


@cli.command()
@_segments_option
@_customers_option
@_customers_format_option
@click.option("--out", "out_path", default=None, metavar="FILE",
              help="Write here (replaced atomically when done; a link's target is written); "
                   "default, or -: stdout.")
@click.option("--format", "out_format", type=click.Choice(FORMATS), default=None,
              help="Output format; default: from the --out extension, else jsonl.")
@_store_option
@_store_field_option
@_now_option
@click.option("--engine", type=click.Choice(("auto", "duckdb", "python")), default="auto",
              show_default=True,
              help="auto: DuckDB for Parquet and JSON Lines files it reads as Python does "
                   "(needs the sql extra), else Python, with the same rows either way.")
@_schema_option
@_reported
def members(segments_path: str, customers_path: str, customers_format: str | None,
            out_path: str | None, out_format: str | None, store: str | None,
            store_field: str, now: str | None, engine: str, schema_path: str | None) -> None:
    """Export every customer's segments and groups.

    One row per customer: id, segments, groups; streamed, so any file size works.
    """
    book = load(segments_path, schema=_schema(schema_path))
    moment = _moment(now)
    customers = CustomerFile(customers_path, customers_format)
    to_stdout = out_path in (None, "-")
    kind = out_format or ("jsonl" if out_path is None or to_stdout else format_for(out_path))
    if kind == "parquet" and to_stdout:
        _fail("parquet output needs --out FILE")
    stores = _Stores(store, store_field, customers)
    ids = _IdReport(customers, escaped=kind != "jsonl")
    batch = None if engine == "python" else _on_duckdb(book, customers, moment, store,
                                                         store_field, engine == "duckdb")
    if batch is not None:
        stores.without = batch.without_store
        rows: Iterator[Row] = (ids.check(number, row) for number, row in enumerate(batch.rows, 1))
    else:
        rows = (ids.check(number, _membership(book, profile, stores(profile, number), moment))
                for number, profile in enumerate(_progress(customers), 1))
    if out_path is None or to_stdout:
        write_members(kind, rows, sys.stdout)
    else:
        target = _output_path(out_path)
        mode = target.stat().st_mode & 0o7777 if target.exists() else _new_file_mode()
        with _atomic(target, mode, out_path) as temporary:
            if kind == "parquet":
                write_members_parquet(rows, temporary)
            else:
                with temporary.open("w", encoding="utf-8", newline="") as out:
                    write_members(kind, rows, out)
    stores.warn(_limited_to_stores(book, book.names))
    ids.warn()


def _on_duckdb(book: Book, customers: CustomerFile, now: dt.datetime, store: str | None,
               store_field: str, required: bool) -> Any:
    """The export computed by DuckDB (``sql.files``), or None for the Python path."""
    try:
        from .sql.files import file_membership
    except ImportError:
        found = None
    else:
        found = file_membership(book, customers.path, customers.format, now=now, store=store,
                                store_field=store_field)
    if found is None and required:
        _fail(f"{customers.name}: --engine duckdb cannot give the same rows as Python for "
              "this file (DuckDB reads Parquet and JSON Lines whose attributes each have one "
              "type, with the sql extra installed); use --engine auto")
    return found


def _membership(book: Book, profile: Profile, store: str | None, now: dt.datetime) -> Row:
    within = book.segments_for(profile, store=store, now=now)
    names = [name for name in book.names if name in within]
    # The groups of groups_for() with nothing assigned, without evaluating every segment again.
    groups = dict.fromkeys(group for name in names for group in book[name].groups)
    customer = profile.get("id")
    return (None if customer is None else str(customer), names, list(groups))


class _IdReport:
    """Counts the exported rows whose id is not what a CRM can join on, to say so once at the
    end rather than write ``{"id": null}`` or an escaped id without a word."""

    def __init__(self, customers: CustomerFile, escaped: bool) -> None:
        self.customers, self.escaped = customers, escaped
        self.missing = self.invalid = 0
        self.first_missing = 0
        self.first_invalid = ""

    def check(self, number: int, row: Row) -> Row:
        customer = row[0]
        if customer is None:
            self.missing += 1
            self.first_missing = self.first_missing or number
        elif self.escaped and escape_surrogates(customer) != customer:
            self.invalid += 1
            self.first_invalid = self.first_invalid or escape_surrogates(customer)
        return row

    def warn(self) -> None:
        if self.missing:
            have = "has" if self.missing == 1 else "have"
            _warn(f"{_plural(self.missing, 'customer')} {have} no id (the first is customer "
                  f"{self.first_missing} in {self.customers.name}); their rows have an empty id")
        if self.invalid:
            ids = "id is" if self.invalid == 1 else "ids are"
            _warn(f"{self.invalid} customer {ids} not valid Unicode (a lone surrogate); "
                  f"written with \\uXXXX escapes, as in {self.first_invalid}")


@cli.group("schema")
def schema_group() -> None:
    """Attribute schemas: the JSON Schema of customer profiles that `check` can use."""


@schema_group.command("infer")
@click.argument("customers_path", metavar="CUSTOMERS")
@_customers_format_option
@click.option("--sessions", "sessions_path", default=None, metavar="FILE",
              help="Sample sessions to infer the session schema from: a JSON object of named "
                   "sessions, a JSON array of sessions, or JSON Lines.")
@click.option("--no-enum", "no_enum", multiple=True, metavar="PATH",
              help="Keep the text at this dotted path (customer or session) plain, not an enum "
                   "of the values seen; repeatable.")
@_reported
def schema_infer(customers_path: str, customers_format: str | None,
                 sessions_path: str | None, no_enum: tuple[str, ...]) -> None:
    """Print the JSON Schema inferred from the customers in CUSTOMERS.

    CUSTOMERS is JSON Lines, CSV (typed headers such as age:int) or Parquet. The schema is
    closed: it lists every attribute the customers have, nullable where some lack it, enums
    for text with few distinct values (`session.…` paths in --no-enum are the session's).
    """
    session_paths = tuple(path.removeprefix("session.") for path in no_enum
                          if path.startswith("session."))
    profile_paths = tuple(path for path in no_enum if not path.startswith("session."))
    if session_paths and sessions_path is None:
        _fail(f"--no-enum session.{session_paths[0]}: there are no --sessions to infer from")
    schema = Schema.infer(_progress(CustomerFile(customers_path, customers_format)),
                          no_enum=profile_paths)
    if sessions_path is not None:
        schema = schema.with_session(Schema.infer(_sample_sessions(sessions_path),
                                                  no_enum=session_paths))
    text = json.dumps(schema.to_json_schema(), indent=2, sort_keys=True, ensure_ascii=False)
    click.echo(escape_surrogates(text))


def _sample_sessions(path: str) -> Iterable[Profile]:
    """``schema infer --sessions``: JSON Lines, or one JSON document holding the sessions."""
    if Path(path).suffix.lower() in (".jsonl", ".ndjson"):
        return CustomerFile(path, "jsonl")
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        _fail(f"{path}: no such file")
    except json.JSONDecodeError as error:
        _fail(f"{path}:{error.lineno}: not valid JSON: {error.msg}")
    except (UnicodeDecodeError, RecursionError, ValueError):
        _fail(f"{path}: not a readable JSON file")
    if isinstance(data, dict) and data and all(isinstance(v, dict) for v in data.values()):
        data = list(data.values())  # a file of named sessions, as --session FILE:NAME reads
    sessions = data if isinstance(data, list) else [data]
    if not all(isinstance(session, dict) for session in sessions):
        _fail(f"{path}: sessions must be JSON objects")
    return sessions


def _progress(customers: CustomerFile) -> Iterator[Profile]:
    """The customers, with a progress bar on stderr when stderr is a terminal."""
    console = Console(stderr=True)
    if not console.is_terminal:
        yield from customers
        return
    columns = (TextColumn("customers"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("customers", total=customers.count())
        for profile in customers:
            yield profile
            progress.advance(task)


@cli.command("sql")
@click.argument("names", nargs=-1)
@_segments_option
@click.option("--dialect", default="duckdb", show_default=True,
              type=click.Choice(["duckdb", "postgres", "spark"]),
              help="The SQL engine the query is for.")
@click.option("--table", default="customers", show_default=True, metavar="NAME",
              help="The customer table or view (dots separate schema and table).")
@click.option("--schema", "schema_path", default=None, metavar="FILE.json",
              help="A JSON Schema of the customer attributes: the columns' types.")
@click.option("--members-table", default=None, metavar="NAME",
              help="A table of a membership store's lists (segment, customer_id, kind).")
@_store_option
@_now_option
@_reported
def sql_query(names: tuple[str, ...], segments_path: str, dialect: str, table: str,
              schema_path: str | None, members_table: str | None, store: str | None,
              now: str | None) -> None:
    """Print the SQL query computing the segments NAME… (default: all) over a table.

    One row per customer: `id`, then one BOOLEAN column per segment, named after it.
    """
    import warnings

    from . import sql
    book = load(segments_path)
    schema = None
    if schema_path is not None:
        from .schema import Schema
        schema = Schema.from_json_schema(schema_path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", sql.SqlWarning)
        query = sql.select(book, names or None, dialect=dialect, table=table, schema=schema,
                           now=_moment(now), store=store, members_table=members_table,
                           pretty=True)
    click.echo(query)
    for warning in caught:
        _warn(str(warning.message))


def _register_test_command() -> None:
    # Defined with the test runner it drives; imported here, after `cli` exists, because it
    # reuses this module's reporting.
    from .testing.command import run_tests

    cli.add_command(run_tests)


_register_test_command()


def main(argv: list[str] | None = None) -> None:
    """The ``segrules`` console script."""
    cli.main(args=argv, prog_name="segrules")
