"""Parameter values given on the command line (``--parameter``, ``--parameters FILE``) are checked
against the templates before the run (issue 20, item 9).

A misspelt name would silently change nothing, and a value outside ``AllowedValues`` would be
judged as if CloudFormation could deploy it. So, as a usage error (exit 2, one line):

- a name that no checked template declares (with a suggestion when one is close);
- a value that a template declaring the parameter does not allow.

A name that some templates declare and others do not is normal (a shared ``Environment``
parameter): the value applies where it is declared and nowhere else, without a word.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from iacguard.errors import IacguardError
from iacguard.model.template import Parameter, Template
from iacguard.run.runner import CheckSettings
from iacguard.suggest import did_you_mean


def check_given_parameters(run: CheckSettings) -> None:
    """Raise a usage error for the first given parameter that no template can take."""
    given = _given(run.settings.parameter_file_values, run.settings.parameter_values)
    if not given:
        return
    templates = _templates(run)
    if not templates:
        return
    declared = sorted({name for template in templates for name in template.parameters})
    for name, (source, value) in given.items():
        if name not in declared:
            raise IacguardError(
                f"{source} {name}: no checked template declares a parameter {name!r}"
                + (did_you_mean(name, declared) or f" (declared: {', '.join(declared) or 'none'})")
            )
        for template in templates:
            parameter = template.parameters.get(name)
            if parameter is not None and not _allowed(parameter, value):
                line = template.span(("Parameters", name)).start_line
                allowed = ", ".join(str(item) for item in parameter.allowed_values or ())
                raise IacguardError(
                    f"{source} {name}={value}: {template.display_path}:{line} allows only "
                    f"{allowed} (AllowedValues)"
                )


def _given(
    from_file: Mapping[str, Any], from_flags: Mapping[str, Any]
) -> dict[str, tuple[str, Any]]:
    """name -> (where it was given, value); flags win over the file, as in the run."""
    given = {name: ("--parameters", value) for name, value in from_file.items()}
    given.update({name: ("--parameter", value) for name, value in from_flags.items()})
    return given


def _allowed(parameter: Parameter, value: Any) -> bool:
    if not parameter.allowed_values:
        return True
    if parameter.type.startswith("List<") or parameter.type == "CommaDelimitedList":
        items: Sequence[Any] = [part.strip() for part in str(value).split(",")]
    else:
        items = [value]
    allowed = {str(item) for item in parameter.allowed_values}
    return all(str(item) in allowed for item in items)


def _templates(run: CheckSettings) -> list[Template]:
    from iacguard.discover.walk import discover
    from iacguard.run.runner import load_template

    found = discover(run.paths, run.settings.exclude, run.root).candidates
    loaded = [load_template(candidate, run) for candidate in found]
    return [template for template in loaded if isinstance(template, Template)]
