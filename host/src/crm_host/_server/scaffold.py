"""``crm-host new-plugin NAME``: a complete, working plugin to start from.

The scaffold has everything a real plugin has: a proto and its generated code,
a servicer, a controller, a model with its first Alembic migration, access
policies, and a test that uses the crm_host pytest fixtures.
"""

from __future__ import annotations

import keyword
import re
import textwrap
from pathlib import Path

from crm_host import __version__
from crm_host._server import codegen

NAME = re.compile(r"^[a-z][a-z0-9_]{1,30}$")
# Plugin commands run as `crm-host <plugin> ...`: a plugin must not shadow these.
RESERVED = frozenset({"serve", "migrate", "config", "plugins", "codegen", "new_plugin"})


class ScaffoldError(Exception):
    """The plugin cannot be created; ``str()`` says why."""


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def _files(name: str) -> dict[str, str]:
    camel = _camel(name)
    package = f"crm_{name}"
    proto = f"{name}/v1/{name}.proto"
    return {
        "pyproject.toml": f'''
            [project]
            name = "crm-{name.replace("_", "-")}"
            version = "0.1.0"
            description = "The {name} plugin for CRM Host"
            readme = "README.md"
            requires-python = ">=3.11"
            dependencies = [
                "crm-host>={__version__}",
                "grpcio>=1.85.1",
                "protobuf>=7.35.1",
                "sqlalchemy>=2.0.36",
            ]

            [project.optional-dependencies]
            test = ["crm-host[testing]"]

            [project.entry-points.crm_host]
            {name} = "{package}.plugin"

            [build-system]
            requires = ["hatchling>=1.26"]
            build-backend = "hatchling.build"

            [tool.hatch.build.targets.wheel]
            packages = ["src/{package}"]

            # `crm-host codegen --config pyproject.toml` regenerates src/{package}/_proto.
            [[tool.crm-host.codegen]]
            proto_path = "protos"
            files = ["{proto}"]
            out = "src/{package}/_proto"
            package = "{package}._proto"

            [tool.ruff.lint.isort]
            known-first-party = ["{package}"]

            [tool.pytest.ini_options]
            testpaths = ["tests"]
            asyncio_mode = "auto"
            asyncio_default_fixture_loop_scope = "function"
        ''',
        "README.md": f"""
            # crm-{name.replace("_", "-")}

            A CRM Host plugin serving `{name}.v1.{camel}Service`.

            - Regenerate the code from the proto: `crm-host codegen --config pyproject.toml`
            - Run the tests: `pytest`
        """,
        f"protos/{proto}": f"""
            syntax = "proto3";

            package {name}.v1;

            // Greets the caller and counts the greetings.
            service {camel}Service {{
              // Needs an authenticated caller (see plugin.py's policies).
              rpc Greet(GreetRequest) returns (GreetResponse);
            }}

            message GreetRequest {{
              string name = 1;
            }}

            message GreetResponse {{
              string message = 1;
              // How often this caller has been greeted, this time included.
              int64 count = 2;
            }}
        """,
        f"src/{package}/__init__.py": f'''
            """The {name} plugin for CRM Host."""
        ''',
        f"src/{package}/models.py": f'''
            """The plugin's tables; names start with the plugin's name."""

            from sqlalchemy import Integer, MetaData, String
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                metadata = MetaData()


            class Greeting(Base):
                __tablename__ = "{name}_greetings"

                account_id: Mapped[str] = mapped_column(String(64), primary_key=True)
                count: Mapped[int] = mapped_column(Integer)
        ''',
        f"src/{package}/migrations/versions/0001_initial.py": f'''
            """Create the {name}_greetings table.

            Revision ID: 0001
            Revises:
            """

            import sqlalchemy as sa
            from alembic import op

            revision = "0001"
            down_revision = None
            branch_labels = None
            depends_on = None


            def upgrade() -> None:
                op.create_table(
                    "{name}_greetings",
                    sa.Column("account_id", sa.String(64), primary_key=True),
                    sa.Column("count", sa.Integer(), nullable=False),
                )


            def downgrade() -> None:
                op.drop_table("{name}_greetings")
        ''',
        f"src/{package}/controller.py": f'''
            """The plugin's use cases, independent of gRPC."""

            import asyncio

            from sqlalchemy import Engine
            from sqlalchemy.orm import Session

            from {package}.models import Greeting


            class Controller:
                def __init__(self, engine: Engine) -> None:
                    self._engine = engine

                async def greet(self, account_id: str) -> int:
                    """Count a greeting for ``account_id``; return the new count."""
                    return await asyncio.to_thread(self._greet, account_id)

                def _greet(self, account_id: str) -> int:
                    with Session(self._engine) as session, session.begin():
                        greeting = session.get(Greeting, account_id, with_for_update=True)
                        if greeting is None:
                            greeting = Greeting(account_id=account_id, count=0)
                            session.add(greeting)
                        greeting.count += 1
                        return greeting.count
        ''',
        f"src/{package}/servicer.py": f'''
            """{name}.v1.{camel}Service: translates between gRPC and the controller."""

            from typing import Any

            import grpc

            from crm_host.auth import principal
            from crm_host.errors import FieldViolation, ServiceError
            from {package}._proto.{name}.v1 import {name}_pb2, {name}_pb2_grpc
            from {package}.controller import Controller

            DOMAIN = {name}_pb2.DESCRIPTOR.services_by_name["{camel}Service"].full_name


            class Servicer({name}_pb2_grpc.{camel}ServiceServicer):  # type: ignore[misc]
                def __init__(self, controller: Controller) -> None:
                    self._controller = controller

                async def Greet(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
                    if not request.name.strip():
                        raise ServiceError(
                            code=grpc.StatusCode.INVALID_ARGUMENT,
                            message="invalid request: name: must not be empty",
                            reason="VALIDATION_FAILED",
                            domain=DOMAIN,
                            field_violations=[
                                FieldViolation("name", "must not be empty", "NAME_EMPTY")
                            ],
                        )
                    caller = principal(context)
                    assert caller is not None  # the "authenticated" policy guarantees it
                    count = await self._controller.greet(caller.account_id)
                    message = f"Hello, {{request.name.strip()}}"
                    return {name}_pb2.GreetResponse(message=message, count=count)
        ''',
        f"src/{package}/plugin.py": f'''
            """The crm_host entry point of the {name} plugin."""

            from pathlib import Path

            from sqlalchemy import Engine

            from crm_host import hookimpl
            from crm_host.hookspecs import RegisterSchema, RegisterService
            from {package}._proto.{name}.v1 import {name}_pb2, {name}_pb2_grpc
            from {package}.controller import Controller
            from {package}.models import Base
            from {package}.servicer import Servicer

            # Who may call each RPC: "public", "authenticated" or "role:<name>".
            POLICIES = {{"Greet": "authenticated"}}


            @hookimpl
            def register_schema(register: RegisterSchema) -> None:
                register(metadata=Base.metadata, migrations=Path(__file__).parent / "migrations")


            @hookimpl
            def register_services(register: RegisterService, engine: Engine) -> None:
                register(
                    servicer=Servicer(Controller(engine)),
                    add_to_server={name}_pb2_grpc.add_{camel}ServiceServicer_to_server,
                    descriptor={name}_pb2.DESCRIPTOR.services_by_name["{camel}Service"],
                    policies=POLICIES,
                )
        ''',
        f"tests/test_{name}.py": f'''
            import grpc
            import pytest

            from {package}._proto.{name}.v1 import {name}_pb2, {name}_pb2_grpc


            async def test_greet_counts_per_caller(crm_host):
                host = await crm_host("{name}")
                stub = {name}_pb2_grpc.{camel}ServiceStub(host.channel)
                request = {name}_pb2.GreetRequest(name="Ada")
                first = await stub.Greet(request, metadata=host.caller("account-1"))
                again = await stub.Greet(request, metadata=host.caller("account-1"))
                assert (first.message, first.count, again.count) == ("Hello, Ada", 1, 2)
                with pytest.raises(grpc.aio.AioRpcError) as refused:
                    await stub.Greet(request)
                assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
        ''',
    }


def create_plugin(name: str, directory: Path) -> Path:
    """Write the plugin ``name`` into ``directory/name`` and generate its code."""
    if keyword.iskeyword(name) or name in RESERVED:
        raise ScaffoldError(f"plugin name {name!r} is taken by Python or by crm-host")
    if not NAME.match(name):
        raise ScaffoldError(
            f"plugin name {name!r} must be 2 to 31 lower-case letters, digits or _, "
            "starting with a letter"
        )
    root = directory / name
    if root.exists():
        raise ScaffoldError(f"{root} already exists")
    for relative, text in _files(name).items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    for target in codegen.load_targets(root / "pyproject.toml"):
        codegen.generate(target, target.out)
    return root
