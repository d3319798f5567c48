"""What happens to a resource's data when CloudFormation deletes or replaces it.

Facts from the AWS documentation of the DeletionPolicy and UpdateReplacePolicy attributes:

- Without DeletionPolicy, CloudFormation deletes a resource removed from the template, except
  that the default is Snapshot for ``AWS::RDS::DBCluster`` and for ``AWS::RDS::DBInstance``
  without ``DBClusterIdentifier``. (Neptune, DocumentDB, Redshift and ElastiCache support
  Snapshot but do not default to it.)
- Without UpdateReplacePolicy, CloudFormation deletes the old resource after a replacement.
- Snapshot is honoured only by the types in :data:`SNAPSHOT_TYPES`; elsewhere it means Delete.
- An S3 bucket (or an ECR repository) that still holds objects (images) cannot be deleted: the
  deletion fails and the resource is left outside the stack, unless something empties it first
  (the CDK's ``autoDeleteObjects`` / ``emptyOnDelete``, or ECR's ``EmptyOnDelete``).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

from iacguard.model.template import Resource, Template
from iacguard.model.values import as_bool

#: Types whose deletion loses data: databases, tables, queues, streams, file systems, keys,
#: secrets, log groups, user pools, registries, buckets. (The types cfn-lint treats as stateful,
#: plus S3 buckets and ECR repositories, whose contents are what deployments roll back to.)
DATA_TYPES = frozenset({
    "AWS::Backup::BackupVault",
    "AWS::Cognito::UserPool",
    "AWS::DocDB::DBCluster",
    "AWS::DynamoDB::GlobalTable",
    "AWS::DynamoDB::Table",
    "AWS::EC2::Volume",
    "AWS::ECR::Repository",
    "AWS::EFS::FileSystem",
    "AWS::EMR::Cluster",
    "AWS::ElastiCache::CacheCluster",
    "AWS::ElastiCache::ReplicationGroup",
    "AWS::Elasticsearch::Domain",
    "AWS::FSx::FileSystem",
    "AWS::KMS::Key",
    "AWS::Kinesis::Stream",
    "AWS::Logs::LogGroup",
    "AWS::Neptune::DBCluster",
    "AWS::OpenSearchService::Domain",
    "AWS::QLDB::Ledger",
    "AWS::RDS::DBCluster",
    "AWS::RDS::DBInstance",
    "AWS::Redshift::Cluster",
    "AWS::S3::Bucket",
    "AWS::SDB::Domain",
    "AWS::SQS::Queue",
    "AWS::SecretsManager::Secret",
    "AWS::Serverless::SimpleTable",
})
#: Types that accept the Snapshot policy.
SNAPSHOT_TYPES = frozenset({
    "AWS::DocDB::DBCluster",
    "AWS::EC2::Volume",
    "AWS::ElastiCache::CacheCluster",
    "AWS::ElastiCache::ReplicationGroup",
    "AWS::Neptune::DBCluster",
    "AWS::RDS::DBCluster",
    "AWS::RDS::DBInstance",
    "AWS::Redshift::Cluster",
})
NESTED_STACK_TYPES = frozenset({"AWS::CloudFormation::Stack", "AWS::Serverless::Application"})
#: Containers whose deletion fails while they hold data, and what empties them on deletion.
_EMPTIERS = {
    "AWS::S3::Bucket": ("Custom::S3AutoDeleteObjects", "BucketName"),
    "AWS::ECR::Repository": ("Custom::ECRAutoDeleteImages", "RepositoryName"),
}
RETAINED = ("Retain", "RetainExceptOnCreate")
_POLICIES = frozenset({"Delete", "Snapshot", *RETAINED})
#: How strongly a policy keeps data, to tell when one is weakened.
POLICY_STRENGTH = {"Delete": 0, "Snapshot": 1, "Retain": 2, "RetainExceptOnCreate": 2}


class Fate(str, enum.Enum):
    """What becomes of the data of a resource that CloudFormation deletes or replaces."""

    DESTROYED = "destroyed"
    ORPHANED = "orphaned"  # retained outside the stack; the stack now uses another resource
    SNAPSHOT = "snapshot"  # deleted after a final snapshot; restoring makes a new resource
    LEFT_IF_NOT_EMPTY = "left-if-not-empty"  # the deletion fails while it holds data
    KEPT = "kept"  # retained on removal: a deliberate detach, nothing is lost


def holds_data(resource: Resource) -> bool:
    """Whether deleting this resource deletes data. Instances of a DB cluster keep none: the
    cluster holds the data."""
    if resource.type not in DATA_TYPES:
        return False
    if resource.type == "AWS::RDS::DBInstance":
        return "DBClusterIdentifier" not in resource.properties
    return True


def is_nested_stack(resource: Resource) -> bool:
    return resource.type in NESTED_STACK_TYPES


def default_deletion_policy(resource: Resource) -> str:
    if resource.type == "AWS::RDS::DBCluster" or (
        resource.type == "AWS::RDS::DBInstance" and "DBClusterIdentifier" not in resource.properties
    ):
        return "Snapshot"
    return "Delete"


def effective_policy(resource: Resource, attribute: str) -> tuple[str | None, bool]:
    """(policy, explicit) for ``DeletionPolicy`` or ``UpdateReplacePolicy``; policy is None when
    the attribute is not a known literal (an intrinsic function, a typo)."""
    value = resource.node.get(attribute)
    if value is None:
        default = default_deletion_policy(resource) if attribute == "DeletionPolicy" else "Delete"
        return default, False
    if not isinstance(value, str) or value not in _POLICIES:
        return None, True
    if value == "Snapshot" and resource.type not in SNAPSHOT_TYPES:
        return "Delete", True
    return value, True


def fate_of(resource: Resource, template: Template, policy: str, replaced: bool) -> Fate:
    """The data's fate under ``policy`` when the resource is replaced or removed."""
    if policy in RETAINED:
        return Fate.ORPHANED if replaced else Fate.KEPT
    if policy == "Snapshot":
        return Fate.SNAPSHOT
    if resource.type in _EMPTIERS:
        if _emptied_on_delete(resource, template):
            return Fate.DESTROYED
        return Fate.LEFT_IF_NOT_EMPTY
    return Fate.DESTROYED


def _emptied_on_delete(resource: Resource, template: Template) -> bool:
    if as_bool(resource.properties.get("EmptyOnDelete")) is True:
        return True
    emptier_type, key = _EMPTIERS[resource.type]
    return any(
        reference.path[:2] == ("Properties", key)
        for reference in template.refs.referrers(resource.logical_id)
        if _type_of(template, reference.source) == emptier_type
    )


def _type_of(template: Template, logical_id: str) -> str:
    resource = template.resources.get(logical_id)
    return resource.type if resource is not None else ""


def data_resources(resources: Iterable[Resource]) -> list[Resource]:
    return [r for r in resources if holds_data(r) and not r.is_cdk_internal]
