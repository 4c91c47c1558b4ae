"""What an ``AlterField`` does to the database, from the old and new definitions.

Django runs ``AlterField`` through ``BaseDatabaseSchemaEditor.alter_field``:
``_field_should_be_altered`` first drops the attributes listed in
``Field.non_db_attrs`` (blank, choices, db_column, editable, error_messages,
help_text, limit_choices_to, on_delete, related_name, related_query_name,
validators, verbose_name) and ``to`` when the target table is unchanged; if
nothing else differs (and the column name is the same) no SQL is emitted.
Beyond that list, other attributes are Python-only too: a ``default`` is only
used while turning NULL into NOT NULL, ``auto_now``, ``upload_to``... produce
no DDL. What remains is classified the way PostgreSQL executes it:

* ``metadata_only``: a binary-coercible type change -- varchar(n)->varchar(m>=n),
  varchar->text, numeric(p,s)->numeric(q>=p,s): a catalog update, no rewrite;
* ``rewrite``: any other type change, a scale change, a precision decrease,
  a collation change, a primary key change;
* ``set_not_null`` (a full scan under ACCESS EXCLUSIVE), ``drop_not_null``;
* ``index_change``: only db_index/unique (an index build: REL406's business);
* ``other_ddl``: DDL without a rewrite -- a renamed column (db_column), a new
  foreign-key target of the same type, db_default, db_comment, tablespace;
* ``state_only``: nothing reaches the database;
* ``unknown``: the old definition is unknown, or an unknown class changed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum

from .django_fields import (
    BUILTIN_PK,
    CHECKED,
    COLUMN_FREE,
    DEFAULT_RESOLVER,
    RELATIONS,
    SIMPLE_TYPES,
    FieldClassResolver,
    max_length,
    rel_type,
)
from .django_state import FieldDef, ModelState, ProjectState, model_key
from .pysource import Opaque, Value


class ChangeKind(str, Enum):
    STATE_ONLY = "state_only"
    DROP_NOT_NULL = "drop_not_null"
    METADATA_ONLY = "metadata_only"
    OTHER_DDL = "other_ddl"
    INDEX_CHANGE = "index_change"
    SET_NOT_NULL = "set_not_null"
    REWRITE = "rewrite"
    UNKNOWN = "unknown"

    def __str__(self) -> str:
        return self.value


# Most severe last: a change with several facets is reported as its worst.
_SEVERITY = {k: i for i, k in enumerate(ChangeKind)}

# Field.non_db_attrs (django/db/models/fields/__init__.py, Django 4.1+), db_column handled apart.
NON_DB_ATTRS = frozenset({"blank", "choices", "editable", "error_messages", "help_text", "limit_choices_to",
                          "on_delete", "related_name", "related_query_name", "validators", "verbose_name"})
# Attributes Django reads in Python only (no DDL from alter_field).
PYTHON_ONLY = frozenset({"default", "auto_now", "auto_now_add", "upload_to", "storage", "width_field",
                         "height_field", "serialize", "unique_for_date", "unique_for_month", "unique_for_year",
                         "auto_created", "allow_unicode", "protocol", "unpack_ipv4", "encoder", "decoder", "path",
                         "match", "recursive", "allow_files", "allow_folders", "parent_link", "swappable", "name",
                         "db_returning"})
STATE_ONLY_ATTRS = NON_DB_ATTRS | PYTHON_ONLY
# Attributes whose DDL is handled by a dedicated facet below.
_FACETED = frozenset({"null", "db_index", "unique", "primary_key", "db_column", "db_default", "db_comment",
                      "db_tablespace", "db_constraint", "db_collation", "to", "to_field"})
TYPE_ATTRS: Mapping[str, frozenset[str]] = {
    "DecimalField": frozenset({"max_digits", "decimal_places"}),
    "ArrayField": frozenset({"base_field", "size"}),
}
_LENGTH_BASES = frozenset({"CharField", "EmailField", "URLField", "SlugField", "FileField", "ImageField",
                           "FilePathField", "CommaSeparatedIntegerField"})
_VARCHAR = re.compile(r"^varchar(?:\((\d+)\))?$")
_NUMERIC = re.compile(r"^numeric(?:\((\d+), ?(\d+)\))?$")


@dataclass(frozen=True)
class FieldContext:
    """Where the field lives, to resolve foreign-key targets (their primary key type)."""

    state: ProjectState
    app: str
    model: ModelState | None = None
    field_name: str | None = None


@dataclass(frozen=True)
class AlterFieldChange:
    kind: ChangeKind
    facets: tuple[ChangeKind, ...]  # every kind of change found, most severe last
    reasons: tuple[str, ...]  # human-readable, one per facet ("varchar(50) -> varchar(100)")
    old: str | None  # the previous definition, readable
    new: str
    old_type: str | None
    new_type: str | None
    changed: tuple[str, ...]  # the attributes that differ

    @property
    def message(self) -> str:
        why = "; ".join(self.reasons) or "no schema-relevant attribute changed"
        return f"{self.kind}: {why} (was {self.old or 'unknown'}, now {self.new})"


def pg_type(f: FieldDef, ctx: FieldContext | None = None, resolver: FieldClassResolver = DEFAULT_RESOLVER,
            _depth: int = 0) -> str | None:
    """The PostgreSQL column type Django writes for ``f``; None when unknown or column-free."""
    info = resolver.info(f.path, f.cls)
    base = info.base
    if base is None or info.custom_db_type or f.opaque:
        return None
    opts = f.options
    if base in _LENGTH_BASES:
        n = max_length(base, f.path, opts)
        if isinstance(n, Opaque):
            return None
        return f"varchar({n})" if n is not None else "varchar"
    if base == "DecimalField":
        p, s = opts.get("max_digits"), opts.get("decimal_places")
        if isinstance(p, int) and isinstance(s, int):
            return f"numeric({p}, {s})"
        return "numeric" if p is None and s is None else None
    if base == "ArrayField":
        inner = opts.get("base_field")
        if isinstance(inner, FieldDef) and _depth < 4:
            t = pg_type(inner, ctx, resolver, _depth + 1)
            return f"{t}[]" if t else None
        return None
    if base in RELATIONS:
        return _fk_type(f, ctx, resolver, _depth)
    return SIMPLE_TYPES.get(base)


def _fk_type(f: FieldDef, ctx: FieldContext | None, resolver: FieldClassResolver, depth: int) -> str | None:
    if ctx is None or depth > 4:
        return None
    to = f.get("to")
    if to == "self" and ctx.model is not None:
        target: ModelState | None = ctx.model
        key = (ctx.model.app, ctx.model.name_lower)
    else:
        key = model_key(to, ctx.app, ctx.state.auth_user_model)
        target = ctx.state.models.get(key) if key else None
    hops = 0
    while target is not None and not target.fields and target.proxy and target.bases and hops < 4:
        # a proxy has its concrete base's primary key
        key = model_key(target.bases[0], target.app, ctx.state.auth_user_model)
        target = ctx.state.models.get(key) if key else None
        hops += 1
    if target is None or not target.fields:
        return BUILTIN_PK.get(key) if key else None
    to_field = f.get("to_field")
    if isinstance(to_field, str):
        tf = target.fields.get(to_field)
        pk = (to_field, tf) if tf is not None else None
    else:
        pk = target.pk()
    if pk is None:
        return None
    pk_def = pk[1]
    sub = FieldContext(ctx.state, target.app, target)
    t = pg_type(pk_def, sub, resolver, depth + 1)
    return rel_type(resolver.info(pk_def.path, pk_def.cls).base, t)


def _type_change(old: str, new: str, database: str) -> tuple[ChangeKind, str]:
    text = f"type {old} -> {new}"
    if database != "postgresql":
        return ChangeKind.REWRITE, text
    ov, nv = _VARCHAR.match(old), _VARCHAR.match(new)
    if ov and (nv or new == "text"):
        if new == "text" or nv.group(1) is None:  # type: ignore[union-attr]
            return ChangeKind.METADATA_ONLY, text + " (binary-coercible)"
        if ov.group(1) is not None and int(nv.group(1)) >= int(ov.group(1)):  # type: ignore[union-attr]
            return ChangeKind.METADATA_ONLY, text + " (lengthening)"
        return ChangeKind.REWRITE, text + " (shortening: every row is checked and rewritten)"
    if old == "text" and new == "varchar":
        return ChangeKind.METADATA_ONLY, text + " (binary-coercible)"
    on, nn = _NUMERIC.match(old), _NUMERIC.match(new)
    if on and nn:
        if nn.group(1) is None:
            return ChangeKind.METADATA_ONLY, text + " (unconstrained numeric)"
        if on.group(1) is None:
            return ChangeKind.REWRITE, text + " (constraining numeric)"
        if on.group(2) != nn.group(2):
            return ChangeKind.REWRITE, text + " (scale change)"
        if int(nn.group(1)) >= int(on.group(1)):
            return ChangeKind.METADATA_ONLY, text + " (precision increase, same scale)"
        return ChangeKind.REWRITE, text + " (precision decrease)"
    return ChangeKind.REWRITE, text + " (not binary-coercible)"


def _type_written(f: FieldDef, base: str | None) -> bool:
    """The arguments that fix the column type of ``base`` are all in the migration."""
    if base in _LENGTH_BASES:
        return "max_length" in f.options
    if base == "DecimalField":
        return "max_digits" in f.options and "decimal_places" in f.options
    return base in SIMPLE_TYPES or base in RELATIONS


def _flags(f: FieldDef, base: str | None) -> tuple[bool, bool, bool, bool]:
    """(null, unique, indexed, primary_key) as Django's schema editor sees them."""
    pk = f.get("primary_key") is True
    unique = pk or f.get("unique") is True or base == "OneToOneField"
    db_index = f.get("db_index", base in RELATIONS) is True
    null = f.get("null") is True and not pk
    return null, unique, db_index and not unique, pk


def classify_alter_field(
    old: FieldDef | None,
    new: FieldDef,
    database: str = "postgresql",
    *,
    context: FieldContext | None = None,
    old_context: FieldContext | None = None,
    resolver: FieldClassResolver = DEFAULT_RESOLVER,
) -> AlterFieldChange:
    """Classify ``AlterField(old -> new)``; ``context`` resolves foreign-key target types."""
    new_text = new.describe()
    if old is None:
        return AlterFieldChange(ChangeKind.UNKNOWN, (ChangeKind.UNKNOWN,), ("previous definition unknown",), None,
                                new_text, None, pg_type(new, context, resolver), ())
    old_text = old.describe()
    oinfo, ninfo = resolver.info(old.path, old.cls), resolver.info(new.path, new.cls)
    oo, no = old.options, new.options
    changed = sorted(k for k in set(oo) | set(no) if oo.get(k, _MISSING) != no.get(k, _MISSING))
    same_class = (old.path or old.cls) == (new.path or new.cls)
    facets: list[tuple[ChangeKind, str]] = []

    def found(kind: ChangeKind, why: str) -> None:
        facets.append((kind, why))

    if old.opaque or new.opaque:
        if old == new:
            return _result([], old_text, new_text, None, None, ())
        return _result([(ChangeKind.UNKNOWN, "definition not literal (**kwargs or not a call)")], old_text, new_text,
                       None, None, tuple(changed))

    ocol_free = oinfo.base in COLUMN_FREE
    ncol_free = ninfo.base in COLUMN_FREE
    if ocol_free or ncol_free:
        if ocol_free and ncol_free:
            _many_to_many(old, new, context, old_context, resolver, found)
            return _result(facets, old_text, new_text, None, None, tuple(changed))
        found(ChangeKind.UNKNOWN, "to or from a column-free field (Django refuses this AlterField)")
        return _result(facets, old_text, new_text, None, None, tuple(changed))

    otype = pg_type(old, old_context or context, resolver)
    ntype = pg_type(new, context, resolver)
    onull, ouniq, oidx, opk = _flags(old, oinfo.base)
    nnull, nuniq, nidx, npk = _flags(new, ninfo.base)

    # Type.
    if otype is not None and ntype is not None:
        if otype != ntype:
            found(*_type_change(otype, ntype, database))
    else:
        type_attrs = set(changed) - STATE_ONLY_ATTRS - _FACETED - {"max_length"}
        if not same_class or "max_length" in changed or type_attrs or (
            ("to" in changed or "to_field" in changed) and (oinfo.base in RELATIONS or ninfo.base in RELATIONS)
        ):
            found(ChangeKind.UNKNOWN, f"column type unknown ({old.cls} -> {new.cls})")
    if otype is not None and ntype is not None and otype == ntype:
        if oinfo.base in CHECKED or ninfo.base in CHECKED:
            if (oinfo.base in CHECKED) != (ninfo.base in CHECKED):
                found(ChangeKind.OTHER_DDL, "CHECK (>= 0) constraint added or dropped")
        if oinfo.base in RELATIONS and ninfo.base in RELATIONS and ("to" in changed or "to_field" in changed):
            o_to = model_key(oo.get("to"), (old_context or context).app if (old_context or context) else "",
                             context.state.auth_user_model if context else "auth.User")
            n_to = model_key(no.get("to"), context.app if context else "",
                             context.state.auth_user_model if context else "auth.User")
            if o_to != n_to or "to_field" in changed:
                found(ChangeKind.OTHER_DDL, f"foreign key target {oo.get('to')!r} -> {no.get('to')!r} "
                      "(constraint re-created and validated)")
    # Leftover attributes of known classes: Django's classes accept nothing else; third-party ones may.
    # A subclass's own arguments (``region=``, ``sanitizer=``) cannot change the column type when the
    # class keeps its base's db_type and the type-determining arguments are written out on both sides
    # (migrations hold ``deconstruct()`` output); otherwise they might (CountryField(multiple=True)).
    leftovers = set(changed) - STATE_ONLY_ATTRS - _FACETED - {"max_length"} - TYPE_ATTRS.get(ninfo.base or "", set())
    if leftovers and not (oinfo.django and ninfo.django) and otype is not None and ntype is not None:
        if not (_type_written(old, oinfo.base) and _type_written(new, ninfo.base)):
            found(ChangeKind.UNKNOWN, f"{', '.join(sorted(leftovers))} changed on {new.cls}, whose type "
                  "depends on arguments not written in the migration")
    # Nullability.
    if onull and not nnull:
        found(ChangeKind.SET_NOT_NULL, "NOT NULL set on an existing column")
    elif nnull and not onull:
        found(ChangeKind.DROP_NOT_NULL, "NOT NULL dropped")
    # Keys and indexes.
    if opk != npk:
        found(ChangeKind.REWRITE, f"primary key {'added' if npk else 'dropped'}")
    if ouniq != nuniq:
        found(ChangeKind.INDEX_CHANGE, f"unique {'added' if nuniq else 'dropped'}")
    if oidx != nidx:
        found(ChangeKind.INDEX_CHANGE, f"db_index {'added' if nidx else 'dropped'}")
    # Column-level DDL without a rewrite, or with one.
    if "db_collation" in changed:
        found(ChangeKind.REWRITE, f"collation {oo.get('db_collation')!r} -> {no.get('db_collation')!r}")
    if "db_column" in changed:
        name = context.field_name if context else None
        ocol = oo.get("db_column") or name
        ncol = no.get("db_column") or name
        if ocol != ncol or name is None:
            found(ChangeKind.OTHER_DDL, f"column renamed {ocol!r} -> {ncol!r}")
    for attr, what in (("db_default", "database default"), ("db_comment", "column comment"),
                       ("db_tablespace", "tablespace"), ("db_constraint", "foreign key constraint")):
        if attr in changed:
            found(ChangeKind.OTHER_DDL, f"{what} changed")
    return _result(facets, old_text, new_text, otype, ntype, tuple(changed))


_MISSING = object()


def _many_to_many(old: FieldDef, new: FieldDef, context: FieldContext | None, old_context: FieldContext | None,
                  resolver: FieldClassResolver, found) -> None:
    """Django's ``_alter_many_to_many``: explicit ``through`` on both sides is a no-op; a new target
    re-points the auto-created through table's column (a rename and a new FK; a type change if the
    targets' primary keys differ); adding/removing ``through`` is refused by Django."""
    oo, no = old.options, new.options
    if oo.get("through") is not None and no.get("through") is not None:
        return
    if (oo.get("through") is None) != (no.get("through") is None):
        found(ChangeKind.UNKNOWN, "through= added or removed (Django refuses this AlterField)")
        return
    if context is None and oo.get("to") != no.get("to"):
        found(ChangeKind.UNKNOWN, "many-to-many target changed; target types unknown without context")
        return
    if context is None:
        return
    octx = old_context or context
    auth = context.state.auth_user_model
    if model_key(oo.get("to"), octx.app, auth) == model_key(no.get("to"), context.app, auth):
        if oo.get("db_table") != no.get("db_table"):
            found(ChangeKind.OTHER_DDL, "through table renamed")
        return
    as_fk = lambda f: FieldDef("models.ForeignKey", "django.db.models.ForeignKey",
                               (("to", f.get("to")),))
    otype = pg_type(as_fk(old), octx, resolver)
    ntype = pg_type(as_fk(new), context, resolver)
    if otype is not None and otype == ntype:
        found(ChangeKind.OTHER_DDL, f"many-to-many target {oo.get('to')!r} -> {no.get('to')!r}: through-table "
              "column renamed, foreign key re-created")
    elif otype is not None and ntype is not None:
        found(ChangeKind.REWRITE, f"many-to-many target {oo.get('to')!r} -> {no.get('to')!r}: through-table column "
              f"{otype} -> {ntype}")
    else:
        found(ChangeKind.UNKNOWN, f"many-to-many target {oo.get('to')!r} -> {no.get('to')!r}, target key type unknown")


def _result(facets: list[tuple[ChangeKind, str]], old: str | None, new: str, otype: str | None, ntype: str | None,
            changed: tuple[str, ...]) -> AlterFieldChange:
    if not facets:
        return AlterFieldChange(ChangeKind.STATE_ONLY, (), (), old, new, otype, ntype, changed)
    facets.sort(key=lambda kv: _SEVERITY[kv[0]])
    kinds = tuple(dict.fromkeys(k for k, _ in facets))
    return AlterFieldChange(kinds[-1], kinds, tuple(w for _, w in facets), old, new, otype, ntype, changed)


def is_column_free(model_state: ModelState | None, field: FieldDef | None,
                   resolver: FieldClassResolver = DEFAULT_RESOLVER) -> bool:
    """True when adding/removing ``field`` touches no column: many-to-many (incl. taggit's manager),
    generic relations, or any field of a proxy/unmanaged model (no table of its own)."""
    if model_state is not None and not model_state.has_table:
        return True
    if field is None:
        return False
    return resolver.info(field.path, field.cls).base in COLUMN_FREE


def model_has_table(model_state: ModelState | None) -> bool | None:
    """``DeleteModel``/``RemoveField`` on a proxy or unmanaged model drops nothing; None if unknown."""
    if model_state is None or not model_state.known:
        return None
    return model_state.has_table


def describe_value(value: Value) -> str:
    return repr(value)
