"""Resource types whose data CloudFormation destroys when it deletes or replaces them, and what
each type's defaults already do about it.

CloudFormation deletes a resource when the stack is deleted, when the resource leaves the
template, and (the old physical resource) when a property change replaces it. Without a
``DeletionPolicy`` the first two delete the data, except where CloudFormation's default is
``Snapshot`` (``AWS::RDS::DBCluster``, and ``AWS::RDS::DBInstance`` outside a cluster); without
an ``UpdateReplacePolicy`` a replacement deletes it for every type. A resource whose own
deletion protection is on cannot be deleted by CloudFormation at all, and an instance that
belongs to a cluster, or replicates another instance, keeps no data of its own.

:data:`DATA_TYPES` says, per type, what is lost, in words a reviewer acts on. Which of them a
rule checks is the rule's option (IGD001 ``stateful-types``): by default not log groups,
queues, streams, repositories, keys, secrets, caches, EMR clusters or backup vaults, which hold
data too but are transient, rebuilt, protected by a waiting period or cannot be deleted while
they hold anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from iacguard.model.template import Resource

DELETE = "Delete"
SNAPSHOT = "Snapshot"


@dataclass(frozen=True)
class DataType:
    label: str  # how a message names the resource type
    loses: str  # what a deletion destroys
    deletion_default: str = DELETE  # CloudFormation's DeletionPolicy when none is written
    #: Property that stops CloudFormation from deleting the resource, and the value that does.
    protection: tuple[str, Any] | None = None
    #: The protection is on unless the template turns it off.
    protected_by_default: bool = False
    #: Properties whose presence makes the resource a copy or a member of another resource
    #: that holds the data (a cluster member, a read replica).
    member_of: tuple[str, ...] = ()


DATA_TYPES: Mapping[str, DataType] = {
    "AWS::DynamoDB::Table": DataType(
        "DynamoDB table", "every item in the table",
        protection=("DeletionProtectionEnabled", True),
    ),
    "AWS::DynamoDB::GlobalTable": DataType("DynamoDB global table", "every item in every replica"),
    "AWS::RDS::DBInstance": DataType(
        "RDS DB instance", "the database", SNAPSHOT, ("DeletionProtection", True),
        member_of=("DBClusterIdentifier", "SourceDBInstanceIdentifier"),
    ),
    "AWS::RDS::DBCluster": DataType(
        "RDS DB cluster", "the database", SNAPSHOT, ("DeletionProtection", True)
    ),
    "AWS::Neptune::DBCluster": DataType(
        "Neptune DB cluster", "the graph database", protection=("DeletionProtection", True)
    ),
    "AWS::DocDB::DBCluster": DataType(
        "DocumentDB cluster", "the database", protection=("DeletionProtection", True)
    ),
    "AWS::Redshift::Cluster": DataType("Redshift cluster", "the warehouse's data"),
    "AWS::EFS::FileSystem": DataType("EFS file system", "every file on it"),
    "AWS::FSx::FileSystem": DataType("FSx file system", "every file on it"),
    "AWS::EC2::Volume": DataType("EBS volume", "the data on the volume"),
    "AWS::OpenSearchService::Domain": DataType("OpenSearch domain", "every index"),
    "AWS::Elasticsearch::Domain": DataType("Elasticsearch domain", "every index"),
    "AWS::Cognito::UserPool": DataType(
        "Cognito user pool", "every user account (passwords cannot be exported)",
        protection=("DeletionProtection", "ACTIVE"),
    ),
    "AWS::QLDB::Ledger": DataType(
        "QLDB ledger", "the ledger's journal", protection=("DeletionProtection", True),
        protected_by_default=True,
    ),
    "AWS::SDB::Domain": DataType("SimpleDB domain", "every item"),
    # Checked only when configured (see the module docstring).
    "AWS::Logs::LogGroup": DataType("Log group", "its log events"),
    "AWS::SQS::Queue": DataType("SQS queue", "the messages waiting in it"),
    "AWS::Kinesis::Stream": DataType("Kinesis stream", "the records not yet read"),
    "AWS::ECR::Repository": DataType(
        "ECR repository", "its images, the rollback path of every service that runs them"
    ),
    "AWS::KMS::Key": DataType(
        "KMS key", "the key after its waiting period, and with it every ciphertext made under it"
    ),
    "AWS::SecretsManager::Secret": DataType("Secret", "the secret value"),
    "AWS::ElastiCache::ReplicationGroup": DataType("ElastiCache replication group", "its data"),
    "AWS::ElastiCache::CacheCluster": DataType("ElastiCache cluster", "its data"),
    "AWS::EMR::Cluster": DataType("EMR cluster", "the data on its HDFS"),
    "AWS::Backup::BackupVault": DataType("Backup vault", "its recovery points"),
}

def data_type(resource: Resource) -> DataType | None:
    """What the resource's type keeps; None when it keeps no data of its own (an instance of
    a cluster, a read replica) or the type is not one that holds data."""
    found = DATA_TYPES.get(resource.type)
    if found is None:
        return None
    if any(name in resource.properties for name in found.member_of):
        return None
    return found
