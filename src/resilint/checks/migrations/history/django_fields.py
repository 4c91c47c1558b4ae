"""Django field classes -> what they are in the database (PostgreSQL).

``classify_alter_field`` must know whether two field definitions produce the
same column type, so every field class is reduced to the Django class it
behaves as (``saleor...SanitizedJSONField`` -> ``JSONField``) and that to the
type Django's PostgreSQL backend writes (``django/db/backends/postgresql/
base.py``: ``data_types``). Third-party classes that are common in migrations
are listed; project-local ones are resolved by reading the class's bases in
the project source (statically, cached). A class that defines its own
``db_type`` stays unknown rather than guessed.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Mapping
from dataclasses import dataclass

from .django_graph import SKIP_DIRS
from .pysource import ImportMap, Opaque, Value

# Django's own field classes by name (django.db.models.*, contrib).
DJANGO_FIELDS = frozenset({
    "AutoField", "BigAutoField", "SmallAutoField", "BinaryField", "BooleanField", "NullBooleanField", "CharField",
    "CommaSeparatedIntegerField", "DateField", "DateTimeField", "DecimalField", "DurationField", "EmailField",
    "FileField", "FilePathField", "FloatField", "ImageField", "IntegerField", "BigIntegerField", "IPAddressField",
    "GenericIPAddressField", "JSONField", "PositiveBigIntegerField", "PositiveIntegerField",
    "PositiveSmallIntegerField", "SlugField", "SmallIntegerField", "TextField", "TimeField", "URLField", "UUIDField",
    "ForeignKey", "OneToOneField", "ManyToManyField", "ForeignObject", "GeneratedField", "Field",
})
CONTRIB_FIELDS: Mapping[str, str] = {
    "django.contrib.postgres.fields.ArrayField": "ArrayField",
    "django.contrib.postgres.fields.HStoreField": "HStoreField",
    "django.contrib.postgres.fields.JSONField": "JSONField",
    "django.contrib.postgres.fields.CICharField": "CICharField",
    "django.contrib.postgres.fields.CIEmailField": "CIEmailField",
    "django.contrib.postgres.fields.CITextField": "CITextField",
    "django.contrib.postgres.fields.IntegerRangeField": "IntegerRangeField",
    "django.contrib.postgres.fields.BigIntegerRangeField": "BigIntegerRangeField",
    "django.contrib.postgres.fields.DecimalRangeField": "DecimalRangeField",
    "django.contrib.postgres.fields.DateTimeRangeField": "DateTimeRangeField",
    "django.contrib.postgres.fields.DateRangeField": "DateRangeField",
    "django.contrib.postgres.search.SearchVectorField": "SearchVectorField",
    "django.contrib.contenttypes.fields.GenericRelation": "GenericRelation",
    "django.contrib.contenttypes.fields.GenericForeignKey": "GenericForeignKey",
}
# Third-party classes seen in real migrations -> the Django class they behave as.
THIRD_PARTY: Mapping[str, str] = {
    "taggit.managers.TaggableManager": "ManyToManyField",
    "mptt.fields.TreeForeignKey": "ForeignKey",
    "mptt.fields.TreeOneToOneField": "OneToOneField",
    "mptt.fields.TreeManyToManyField": "ManyToManyField",
    "modelcluster.fields.ParentalKey": "ForeignKey",
    "modelcluster.fields.ParentalManyToManyField": "ManyToManyField",
    "modelcluster.contrib.taggit.ClusterTaggableManager": "ManyToManyField",
    "sortedm2m.fields.SortedManyToManyField": "ManyToManyField",
    "django_countries.fields.CountryField": "CharField",
    "phonenumber_field.modelfields.PhoneNumberField": "CharField",
    "timezone_field.fields.TimeZoneField": "CharField",
    "timezone_field.TimeZoneField": "CharField",
    "versatileimagefield.fields.VersatileImageField": "ImageField",
    "versatileimagefield.fields.PPOIField": "CharField",
    "djmoney.models.fields.MoneyField": "DecimalField",
    "djmoney.models.fields.CurrencyField": "CharField",
    "django_extensions.db.fields.AutoSlugField": "SlugField",
    "django_extensions.db.fields.CreationDateTimeField": "DateTimeField",
    "django_extensions.db.fields.ModificationDateTimeField": "DateTimeField",
    "django_extensions.db.fields.RandomCharField": "CharField",
    "model_utils.fields.AutoCreatedField": "DateTimeField",
    "model_utils.fields.AutoLastModifiedField": "DateTimeField",
    "model_utils.fields.MonitorField": "DateTimeField",
    "model_utils.fields.StatusField": "CharField",
    "model_utils.fields.UUIDField": "UUIDField",
    "jsonfield.fields.JSONField": "TextField",
}
# max_length a class writes when the migration leaves it out.
DEFAULT_MAX_LENGTH: Mapping[str, int | None] = {
    "CharField": None, "EmailField": 254, "URLField": 200, "SlugField": 50, "FileField": 100, "ImageField": 100,
    "FilePathField": 100, "CommaSeparatedIntegerField": None,
}
DEFAULT_MAX_LENGTH_BY_PATH: Mapping[str, int] = {
    "django_countries.fields.CountryField": 2,
    "phonenumber_field.modelfields.PhoneNumberField": 128,
    "timezone_field.fields.TimeZoneField": 63,
    "timezone_field.TimeZoneField": 63,
    "versatileimagefield.fields.PPOIField": 20,
    "djmoney.models.fields.CurrencyField": 3,
}
COLUMN_FREE = frozenset({"ManyToManyField", "GenericRelation", "GenericForeignKey"})
RELATIONS = frozenset({"ForeignKey", "OneToOneField"})
SIMPLE_TYPES: Mapping[str, str] = {
    "AutoField": "integer", "BigAutoField": "bigint", "SmallAutoField": "smallint", "BinaryField": "bytea",
    "BooleanField": "boolean", "NullBooleanField": "boolean", "DateField": "date",
    "DateTimeField": "timestamp with time zone", "DurationField": "interval", "FloatField": "double precision",
    "IntegerField": "integer", "BigIntegerField": "bigint", "IPAddressField": "inet", "GenericIPAddressField": "inet",
    "JSONField": "jsonb", "PositiveBigIntegerField": "bigint", "PositiveIntegerField": "integer",
    "PositiveSmallIntegerField": "smallint", "SmallIntegerField": "smallint", "TextField": "text",
    "TimeField": "time", "UUIDField": "uuid", "HStoreField": "hstore", "CICharField": "citext",
    "CIEmailField": "citext", "CITextField": "citext", "IntegerRangeField": "int4range",
    "BigIntegerRangeField": "int8range", "DecimalRangeField": "numrange", "DateTimeRangeField": "tstzrange",
    "DateRangeField": "daterange", "SearchVectorField": "tsvector",
}
# A foreign key's column has the type of the target's primary key, auto fields as plain integers.
REL_TYPES: Mapping[str, str] = {"AutoField": "integer", "BigAutoField": "bigint", "SmallAutoField": "smallint",
                                "PositiveIntegerField": "integer", "PositiveBigIntegerField": "bigint",
                                "PositiveSmallIntegerField": "smallint"}
# Models of Django's own apps, whose migrations are usually not under the project root.
BUILTIN_PK: Mapping[tuple[str, str], str] = {
    ("auth", "user"): "integer", ("auth", "group"): "integer", ("auth", "permission"): "integer",
    ("contenttypes", "contenttype"): "integer", ("sites", "site"): "integer",
}
CHECKED = frozenset({"PositiveBigIntegerField", "PositiveIntegerField", "PositiveSmallIntegerField"})


@dataclass(frozen=True)
class ClassInfo:
    base: str | None  # Django class it behaves as; None when unknown
    custom_db_type: bool = False  # defines db_type(): the column type is its own
    django: bool = False  # Django's own class (its keyword arguments are all known)


class FieldClassResolver:
    """Resolves field classes to the Django class they behave as.

    With a ``root``, project-local classes (``utilities.fields.ColorField``)
    are looked up by reading their module's source: ``class ColorField(
    models.CharField)`` -> ``CharField``. Nothing is imported; results are cached.
    """

    def __init__(self, root: str | os.PathLike[str] | None = None) -> None:
        self.root = str(root) if root is not None else None
        self._cache: dict[str, ClassInfo] = {}
        self._index: dict[str, list[str]] | None = None
        self._modules: dict[str, tuple[ast.Module, ImportMap] | None] = {}

    def info(self, path: str | None, written: str = "") -> ClassInfo:
        name = path or written
        if name not in self._cache:
            self._cache[name] = ClassInfo(None)  # guards recursion
            self._cache[name] = self._info(path, written)
        return self._cache[name]

    def _info(self, path: str | None, written: str) -> ClassInfo:
        if path is None:
            short = written.rsplit(".", 1)[-1]
            # ``models.X`` with a star import or an unusual alias: trust Django's names.
            if written.startswith("models.") and short in DJANGO_FIELDS:
                return ClassInfo(short, django=True)
            return ClassInfo(None)
        if path.startswith("django.db.models.") and path.rsplit(".", 1)[-1] in DJANGO_FIELDS:
            return ClassInfo(path.rsplit(".", 1)[-1], django=True)
        if path in CONTRIB_FIELDS:
            return ClassInfo(CONTRIB_FIELDS[path], django=True)
        if path in THIRD_PARTY:
            return ClassInfo(THIRD_PARTY[path])
        return self._from_source(path)

    # -- project source --------------------------------------------------------

    def _from_source(self, path: str) -> ClassInfo:
        module, _, cls = path.rpartition(".")
        parsed = self._module(module)
        if parsed is None:
            return ClassInfo(None)
        tree, imports = parsed
        for node in tree.body:
            if isinstance(node, ast.ClassDef) and node.name == cls:
                custom = any(isinstance(s, ast.FunctionDef) and s.name == "db_type" for s in node.body)
                for base in node.bases:
                    qual = imports.resolve(base) or (f"{module}.{base.id}" if isinstance(base, ast.Name) else None)
                    if qual is None:
                        continue
                    info = self.info(qual)
                    if info.base is not None:
                        return ClassInfo(info.base, custom or info.custom_db_type)
                return ClassInfo(None, custom)
        bound = imports.bindings.get(cls)  # re-exported: ``from .fields import ColorField``
        if bound is not None and bound != path:
            return self.info(bound)
        return ClassInfo(None)

    def _module(self, module: str) -> tuple[ast.Module, ImportMap] | None:
        if module in self._modules:
            return self._modules[module]
        self._modules[module] = None
        if self.root is None:
            return None
        tails = (module.replace(".", "/") + ".py", module.replace(".", "/") + "/__init__.py")
        for tail in tails:
            for candidate in self._files(tail):
                try:
                    with open(candidate, encoding="utf-8") as fh:
                        tree = ast.parse(fh.read(), candidate)
                except (SyntaxError, UnicodeDecodeError, OSError, ValueError):
                    continue
                pkg = module if tail.endswith("__init__.py") else module
                self._modules[module] = (tree, ImportMap(tree, pkg if tail.endswith("__init__.py") else module))
                return self._modules[module]
        return None

    def _files(self, tail: str) -> list[str]:
        if self._index is None:
            self._index = {}
            assert self.root is not None
            for dirpath, dirnames, filenames in os.walk(self.root):
                dirnames[:] = [n for n in dirnames if n not in SKIP_DIRS and not n.startswith(".")
                               and n not in ("migrations", "tests", "test")]
                for n in filenames:
                    if n.endswith(".py"):
                        full = os.path.join(dirpath, n)
                        rel = os.path.relpath(full, self.root).replace(os.sep, "/")
                        parts = rel.split("/")
                        for i in range(len(parts)):
                            self._index.setdefault("/".join(parts[i:]), []).append(full)
        return self._index.get(tail, [])


DEFAULT_RESOLVER = FieldClassResolver()


def rel_type(target_pk_base: str | None, target_pk_type: str | None) -> str | None:
    if target_pk_base in REL_TYPES:
        return REL_TYPES[target_pk_base]
    return target_pk_type


def max_length(base: str, path: str | None, options: Mapping[str, Value]) -> int | None | Opaque:
    if "max_length" in options:
        v = options["max_length"]
        return v if isinstance(v, int) or v is None else Opaque(repr(v))
    if path in DEFAULT_MAX_LENGTH_BY_PATH:
        return DEFAULT_MAX_LENGTH_BY_PATH[path]
    return DEFAULT_MAX_LENGTH.get(base)
