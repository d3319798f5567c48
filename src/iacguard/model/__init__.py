"""The template model: resources, parameters and the reference index rules query."""

from iacguard.model.template import Parameter, Resource, Template, build_template

__all__ = ["Parameter", "Resource", "Template", "build_template"]
