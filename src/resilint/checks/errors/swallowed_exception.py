"""Error handling: broad exception handlers that silently swallow the error."""

from __future__ import annotations

import re
from collections.abc import Iterable

import libcst as cst

from resilint.checks.common.arguments import source_of
from resilint.config.standards import Standard
from resilint.rule import Param, Rule


class SwallowedException(Rule):
    """``except:`` / ``except Exception:`` (also in a tuple) whose body only passes:
    nothing logged, raised, returned or used. Reported at the ``except`` keyword."""

    sliceable = True  # see Rule.sliceable

    kind = "swallowed-exception"
    description = "A broad exception handler whose body does nothing with the error."
    parameters = {
        "broad": Param(list, doc="builtin exception classes that catch (nearly) everything"),
        "bare": Param(bool, required=False, default=True, doc="whether a bare `except:` counts"),
    }

    @classmethod
    def triggers(cls, standard: Standard) -> Iterable[str] | None:
        # A handler that names a broad class (alone, in a tuple, as builtins.X) or is
        # bare, whose first statement is inert (see _inert: every one must be).
        inert = r"(?:\s|\\|#[^\n]*)*(?:pass\b|continue\b|\.\.\.|[rRuUbBfF]{0,2}[\"'])"
        broad = "|".join(re.escape(b) for b in standard.params.get("broad", ()))
        patterns = [rf"except\b[^:]*\b(?:{broad})\b[^:]*:{inert}"] if broad else []
        if standard.params.get("bare", True):
            patterns.append(rf"except\s*:{inert}")
        return [f"re:{p}" for p in patterns]

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        self._check(node)

    def visit_ExceptStarHandler(self, node: cst.ExceptStarHandler) -> None:
        self._check(node)

    def _check(self, node: cst.ExceptHandler | cst.ExceptStarHandler) -> None:
        if not _inert(node.body):
            return
        if node.type is None:
            if self.param("bare"):
                self.report(node, "bare `except:` swallows every error, even KeyboardInterrupt, and does nothing with it; "
                            "catch the exceptions you expect, and log or re-raise the rest")
            return
        caught = self._broad(node.type)
        if caught is not None:
            written = source_of(self.context.module, node.type)
            self.report(
                node,
                f"`except {written}` swallows every error ({caught}) and does nothing with it: failures vanish "
                "without a trace; catch the exceptions you expect, or log / re-raise",
            )

    def _broad(self, expr: cst.BaseExpression) -> str | None:
        """The broad builtin caught by ``expr`` (a class or a tuple of classes), if any."""
        if isinstance(expr, cst.Tuple):
            for element in expr.elements:
                found = self._broad(element.value)
                if found is not None:
                    return found
            return None
        broad = self.param("broad")
        if isinstance(expr, cst.Name) and expr.value in broad and self.names.lookup(expr.value) is None:
            return expr.value  # the builtin, not shadowed by an import or assignment
        qualname = self.names.qualified_name(expr)
        if qualname is not None and qualname.startswith("builtins.") and qualname[9:] in broad:
            return qualname[9:]
        return None


def _inert(body: cst.BaseSuite) -> bool:
    """Only ``pass``, ``...``, ``continue`` or a string (docstring/comment-as-string)."""
    if isinstance(body, cst.SimpleStatementSuite):
        smalls: list[cst.BaseSmallStatement] = list(body.body)
    else:
        smalls = []
        for statement in body.body:  # type: ignore[union-attr]
            if not isinstance(statement, cst.SimpleStatementLine):
                return False
            smalls.extend(statement.body)
    for small in smalls:
        if isinstance(small, (cst.Pass, cst.Continue)):
            continue
        if isinstance(small, cst.Expr) and isinstance(small.value, (cst.Ellipsis, cst.SimpleString, cst.ConcatenatedString)):
            continue
        return False
    return True
