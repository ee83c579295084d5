"""Settings: defaults, coercion, and production refusing to start without what it needs."""

from __future__ import annotations

import pytest

from lti_tool import ConfigError, create_app
from lti_tool.config import load_settings, settings_markdown


def test_defaults_are_development_on_sqlite():
    values = load_settings(env={})
    assert values["ENV"] == "development"
    assert values["DATABASE_URL"] is None
    assert values["DEV_PLATFORM"] is True
    assert values["ALLOW_PRIVATE_PLATFORMS"] is True


def test_environment_overrides_are_coerced():
    values = load_settings(env={"LTI_TOOL_OPEN_REGISTRATION": "yes", "LTI_TOOL_LAUNCH_MAX_AGE": "120",
                                "LTI_TOOL_FRAME_ANCESTORS": "https://a.example, https://b.example",
                                "LTI_TOOL_BASE_URL": "http://127.0.0.1:5000/"})
    assert values["OPEN_REGISTRATION"] is True
    assert values["LAUNCH_MAX_AGE"] == 120
    assert values["FRAME_ANCESTORS"] == ["https://a.example", "https://b.example"]
    assert values["BASE_URL"] == "http://127.0.0.1:5000"


def test_bad_value_names_the_setting():
    with pytest.raises(ConfigError, match="LTI_TOOL_LAUNCH_MAX_AGE"):
        load_settings(env={"LTI_TOOL_LAUNCH_MAX_AGE": "soon"})


def test_production_requires_secret(tmp_path):
    env = {"LTI_TOOL_ENV": "production", "LTI_TOOL_BASE_URL": "https://tool.example.org",
           "LTI_TOOL_KEYS_DIR": str(tmp_path), "LTI_TOOL_DATABASE_URL": f"sqlite:///{tmp_path}/p.db"}
    with pytest.raises(ConfigError, match="LTI_TOOL_SECRET_KEY is not set"):
        create_app(env=env)


def test_production_requires_keys(tmp_path):
    env = {"LTI_TOOL_ENV": "production", "LTI_TOOL_BASE_URL": "https://tool.example.org",
           "LTI_TOOL_SECRET_KEY": "s" * 40, "LTI_TOOL_KEYS_DIR": str(tmp_path / "empty"),
           "LTI_TOOL_DATABASE_URL": f"sqlite:///{tmp_path}/p.db"}
    with pytest.raises(ConfigError, match="lti keys rotate"):
        create_app(env=env)


def test_production_requires_https_and_refuses_dev_platform():
    with pytest.raises(ConfigError, match="https"):
        load_settings(env={"LTI_TOOL_ENV": "production", "LTI_TOOL_BASE_URL": "http://tool.example.org"})
    with pytest.raises(ConfigError, match="DEV_PLATFORM"):
        load_settings(env={"LTI_TOOL_ENV": "production", "LTI_TOOL_BASE_URL": "https://t.example",
                           "LTI_TOOL_DEV_PLATFORM": "true"})


def test_development_generates_and_keeps_secret(tmp_path):
    settings = {"ENV": "development", "KEYS_DIR": str(tmp_path), "DEV_PLATFORM": False,
                "DATABASE_URL": f"sqlite:///{tmp_path}/d.db", "DELIVERY_THREAD": False}
    first = create_app(settings, env={}).config["SECRET_KEY"]
    second = create_app(settings, env={}).config["SECRET_KEY"]
    assert first == second and len(first) > 40
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_settings_table_lists_every_setting():
    table = settings_markdown()
    for name in ("ENV", "DATABASE_URL", "KEYS_DIR", "SECRET_KEY", "BASE_URL", "REDIS_URL"):
        assert f"`LTI_TOOL_{name}`" in table


def test_readme_documents_every_setting():
    from pathlib import Path

    readme = (Path(__file__).parent.parent / "README.md").read_text()
    for line in settings_markdown().splitlines()[2:]:
        name = line.split("|")[1].strip()
        assert name in readme, f"{name} is missing from the README settings table"
