"""The resource types Access Analyzer judges public and external access for."""

from __future__ import annotations

from dataclasses import dataclass

from policyreason.errors import ResourceTypeError


@dataclass(frozen=True)
class ResourceType:
    """A resource type Access Analyzer reasons about: its services' actions apply to it."""

    name: str
    services: tuple[str, ...]
    arn_service: str
    arn_resource: str  # the service reference's resource type name


# Access Analyzer's supported resource types (CloudFormation names), each with the service
# whose actions act on it and the resource type that names its ARNs in the service reference.
RESOURCE_TYPES: tuple[ResourceType, ...] = (
    ResourceType("AWS::S3::Bucket", ("s3",), "s3", "bucket"),
    ResourceType("AWS::S3::AccessPoint", ("s3",), "s3", "accesspoint"),
    ResourceType("AWS::S3Express::DirectoryBucket", ("s3express",), "s3express", "bucket"),
    ResourceType("AWS::S3Tables::TableBucket", ("s3tables",), "s3tables", "TableBucket"),
    ResourceType("AWS::IAM::Role", ("sts",), "iam", "role"),
    ResourceType("AWS::KMS::Key", ("kms",), "kms", "key"),
    ResourceType("AWS::Lambda::Function", ("lambda",), "lambda", "function"),
    ResourceType("AWS::Lambda::LayerVersion", ("lambda",), "lambda", "layerVersion"),
    ResourceType("AWS::SQS::Queue", ("sqs",), "sqs", "queue"),
    ResourceType("AWS::SNS::Topic", ("sns",), "sns", "topic"),
    ResourceType("AWS::SecretsManager::Secret", ("secretsmanager",), "secretsmanager", "Secret"),
    ResourceType("AWS::ECR::Repository", ("ecr",), "ecr", "repository"),
    ResourceType(
        "AWS::EFS::FileSystem", ("elasticfilesystem",), "elasticfilesystem", "file-system"
    ),
    ResourceType("AWS::DynamoDB::Table", ("dynamodb",), "dynamodb", "table"),
    ResourceType("AWS::DynamoDB::Stream", ("dynamodb",), "dynamodb", "stream"),
    ResourceType("AWS::OpenSearchService::Domain", ("es",), "es", "domain"),
    ResourceType("AWS::Kinesis::Stream", ("kinesis",), "kinesis", "stream"),
    ResourceType("AWS::Glacier::Vault", ("glacier",), "glacier", "vault"),
    ResourceType("AWS::Backup::BackupVault", ("backup",), "backup", "backupVault"),
    ResourceType(
        "AWS::ApiGateway::RestApi", ("execute-api",), "execute-api", "execute-api-general"
    ),
    ResourceType("AWS::CodeArtifact::Domain", ("codeartifact",), "codeartifact", "domain"),
    ResourceType("AWS::CodeArtifact::Repository", ("codeartifact",), "codeartifact", "repository"),
    ResourceType(
        "AWS::CloudTrail::EventDataStore", ("cloudtrail",), "cloudtrail", "eventdatastore"
    ),
)
_BY_NAME = {t.name.lower(): t for t in RESOURCE_TYPES}


def resource_type(name: str) -> ResourceType:
    """The resource type called `name` (CloudFormation spelling, any case)."""
    found = _BY_NAME.get(name.lower())
    if found is None:
        known = ", ".join(t.name for t in RESOURCE_TYPES)
        raise ResourceTypeError(f"unsupported resource type {name!r}; supported: {known}")
    return found
