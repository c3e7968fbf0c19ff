"""Configuration read from the environment."""

from __future__ import annotations

import pytest

from requests_service.config import Config
from requests_service.services.access import DEFAULT_ACTOR_CACHE_SECONDS
from requests_service.services.clock import DEFAULT_VERSION_CHECK_SECONDS


def test_calendar_version_check_defaults_to_two_seconds_everywhere() -> None:
    # Apps take the setting from Config; engines used without an app (scripts) get the cache's.
    assert Config().CALENDAR_VERSION_CHECK_SECONDS == DEFAULT_VERSION_CHECK_SECONDS == 2.0
    assert Config.from_env().CALENDAR_VERSION_CHECK_SECONDS == 2.0


@pytest.mark.parametrize(("raw", "seconds"), [("0", 0.0), ("0.5", 0.5), ("10", 10.0), ("", 2.0)])
def test_calendar_version_check_seconds_from_environment(
    monkeypatch: pytest.MonkeyPatch, raw: str, seconds: float
) -> None:
    monkeypatch.setenv("CALENDAR_VERSION_CHECK_SECONDS", raw)
    assert seconds == Config.from_env().CALENDAR_VERSION_CHECK_SECONDS


@pytest.mark.parametrize("raw", ["-1", "nan", "soon"])
def test_calendar_version_check_seconds_refuses_what_is_not_a_duration(
    monkeypatch: pytest.MonkeyPatch, raw: str
) -> None:
    monkeypatch.setenv("CALENDAR_VERSION_CHECK_SECONDS", raw)
    with pytest.raises(ValueError, match="CALENDAR_VERSION_CHECK_SECONDS"):
        Config.from_env()


def test_actor_cache_defaults_to_two_seconds_everywhere() -> None:
    assert Config().ACTOR_CACHE_SECONDS == DEFAULT_ACTOR_CACHE_SECONDS == 2.0
    assert Config.from_env().ACTOR_CACHE_SECONDS == 2.0


@pytest.mark.parametrize(("raw", "seconds"), [("0", 0.0), ("0.5", 0.5), ("10", 10.0), ("", 2.0)])
def test_actor_cache_seconds_from_environment(
    monkeypatch: pytest.MonkeyPatch, raw: str, seconds: float
) -> None:
    monkeypatch.setenv("ACTOR_CACHE_SECONDS", raw)
    assert seconds == Config.from_env().ACTOR_CACHE_SECONDS


@pytest.mark.parametrize("raw", ["-1", "nan", "soon"])
def test_actor_cache_seconds_refuses_what_is_not_a_duration(
    monkeypatch: pytest.MonkeyPatch, raw: str
) -> None:
    monkeypatch.setenv("ACTOR_CACHE_SECONDS", raw)
    with pytest.raises(ValueError, match="ACTOR_CACHE_SECONDS"):
        Config.from_env()


def test_topic_placement_is_inline_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TOPIC_PLACEMENT", raising=False)
    assert Config().TOPIC_PLACEMENT == Config.from_env().TOPIC_PLACEMENT == "inline"
    monkeypatch.setenv("TOPIC_PLACEMENT", "queue")
    assert Config.from_env().TOPIC_PLACEMENT == "queue"


def test_topic_placement_refuses_unknown_modes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOPIC_PLACEMENT", "later")
    with pytest.raises(ValueError, match="TOPIC_PLACEMENT"):
        Config.from_env()
