"""REL501/REL502: boto3 objects traced to their factories; verb lists are data."""

from __future__ import annotations

import textwrap
from pathlib import Path

from resilint.config.settings import Config, parse_config
from resilint.engine.core import Engine

ENGINE = Engine(Config(root=Path(__file__).parent, select=("REL5",)))


def codes(source: str, engine: Engine = ENGINE) -> list[tuple[int, str]]:
    result = engine.check_source(textwrap.dedent(source), "ops.py")
    return [(f.span.line, f.code) for f in result.findings]


def test_module_level_client_used_in_function_and_session_forms() -> None:
    source = """
        import boto3
        from boto3.session import Session as AwsSession

        rds = boto3.client("rds")

        def teardown():
            rds.delete_db_instance(DBInstanceIdentifier="x")
            AwsSession().client("cloudformation").delete_stack(StackName="x")
            session = boto3.Session()
            session.client(service_name="sqs").purge_queue(QueueUrl="u")
    """
    assert codes(source) == [(8, "REL501"), (9, "REL501"), (11, "REL501")]


def test_verbs_are_per_service() -> None:
    source = """
        import boto3

        glue = boto3.client("glue")
        ddb = boto3.client("dynamodb")

        glue.delete_table(DatabaseName="d", Name="t")
        ddb.delete_table(TableName="t")
        ddb.delete_stack(StackName="x")  # not a dynamodb verb
    """
    assert codes(source) == [(7, "REL501"), (8, "REL501")]


def test_resource_objects_and_collections() -> None:
    source = """
        import boto3

        s3 = boto3.resource("s3")
        bucket = s3.Bucket("b")
        bucket.objects.delete()
        bucket.objects.filter(Prefix="tmp/").limit(10).delete()
        bucket.Object("k").delete()
        s3.Object("b", "k").delete()
        s3.buckets.all()
    """
    assert codes(source) == [(6, "REL501"), (7, "REL501")]


def test_dry_run_and_kwargs_silence() -> None:
    source = """
        import boto3

        ec2 = boto3.client("ec2")

        def stop(ids, opts, rehearse):
            ec2.terminate_instances(InstanceIds=ids, DryRun=True)
            ec2.terminate_instances(InstanceIds=ids, DryRun=rehearse)
            ec2.terminate_instances(**opts)
            ec2.terminate_instances(InstanceIds=ids, DryRun=False)
    """
    assert codes(source) == [(10, "REL501")]


def test_safeguards_only_on_boto3_calls_and_only_unsafe_literals() -> None:
    source = """
        import boto3

        rds = boto3.client("rds")

        def go(other, flag):
            rds.delete_db_instance(DBInstanceIdentifier="x", SkipFinalSnapshot=False, FinalDBSnapshotIdentifier="f")
            rds.modify_db_cluster(DBClusterIdentifier="x", DeletionProtection=flag)
            rds.delete_db_cluster(DBClusterIdentifier="x", SkipFinalSnapshot=True)
            other.delete_db_cluster(DBClusterIdentifier="x", SkipFinalSnapshot=True)
            boto3.client("autoscaling").delete_auto_scaling_group(AutoScalingGroupName="g", ForceDelete=True)
    """
    # a final snapshot keeps REL502 quiet; deleting the instance is still REL501
    assert codes(source) == [(7, "REL501"), (9, "REL501"), (9, "REL502"), (11, "REL501"), (11, "REL502")]


def test_enum_valued_safeguard() -> None:
    source = """
        import boto3

        idp = boto3.client("cognito-idp")
        idp.update_user_pool(UserPoolId="p", DeletionProtection="INACTIVE")
        idp.update_user_pool(UserPoolId="p", DeletionProtection="ACTIVE")
    """
    assert codes(source) == [(5, "REL502")]


def test_verb_lists_are_data_a_team_can_extend(tmp_path: Path) -> None:
    table = {
                "select": ["ACME"],
                "standards": [
                    {
                        "code": "ACME501",
                        "name": "internal-cloud-delete",
                        "check": "destructive-cloud-call",
                        "client-factories": ["boto3.client"],
                        "resource-factories": ["boto3.resource"],
                        "collection-methods": ["all"],
                        "collection-actions": [],
                        "dry-run-keyword": "DryRun",
                        "client-verbs": {"s3": ["delete_object"]},
                        "resource-actions": {},
                    }
                ],
    }
    engine = Engine(parse_config(table, tmp_path / "pyproject.toml"))
    source = """
        import boto3
        boto3.client("s3").delete_object(Bucket="b", Key="k")
    """
    assert codes(source, engine) == [(3, "ACME501")]
