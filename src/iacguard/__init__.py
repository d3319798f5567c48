"""iacguard: a policy linter and template validator for AWS CloudFormation, SAM and CDK."""

__version__ = "0.1.0"
