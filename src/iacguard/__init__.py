"""iacguard: a policy linter and template validator for AWS CloudFormation, SAM and CDK."""

__version__ = "0.1.0"

#: The name pip installs this project under. The import package and the command are both
#: "iacguard", but on the public package index that name belongs to an unrelated project, so no
#: documented install names it: see docs/install.md.
DISTRIBUTION = "iacguard-cfn"
SUMMARY = "policy linter and template validator for AWS CloudFormation, SAM and CDK"
PROJECT_URL = "https://github.com/iacguard/iacguard"

#: A commit of PROJECT_URL that documented installs pin (the repository has no tags): the
#: pre-commit ``rev`` and the git URL that pipelines install from. Its ``.pre-commit-hooks.yaml``
#: is the current one; tests/test_install_sources.py checks that in a git checkout, so changing
#: the hooks means pinning a newer commit here and in the docs.
PINNED_COMMIT = "4eba1a3b788ddc5e4f814cf7f68daabc6b050760"

#: What pip installs in a pipeline: this project, from its repository, at the pinned commit.
PINNED_PIP_SPEC = f"{DISTRIBUTION} @ git+{PROJECT_URL}@{PINNED_COMMIT}"
