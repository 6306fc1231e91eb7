"""Every country's resources are complete, and every handoff fits in one Telegram message."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from dialogues.crisis_resources import (
    KINDS,
    RESOURCES_PATH,
    TELEGRAM_LIMIT,
    compose_handoff,
    compose_resources,
    country_from_language_code,
    crisis_text,
    load_directory,
)

DIRECTORY = load_directory()
REQUIRED = ["US", "CA", "GB", "IE", "AU", "NZ", "MX", "ES", "INTL"]


def test_required_countries_present() -> None:
    assert set(REQUIRED) <= set(DIRECTORY.countries())


@pytest.mark.parametrize("code", REQUIRED)
def test_every_entry_is_complete(code: str) -> None:
    country = DIRECTORY.get(code)
    assert country.emergency_number and country.name
    for service in country.services:
        assert service.service and service.hours and service.last_verified and service.kinds
        assert service.call or service.text or service.web
    for kind in KINDS:
        assert country.for_kind(kind), f"{code} has no service for {kind}"


@pytest.mark.parametrize("code", REQUIRED + [None, "FR"])
@pytest.mark.parametrize("kind", KINDS)
def test_handoff_fits_and_names_emergency_number(code: str | None, kind: str) -> None:
    text = compose_handoff(kind, code)  # type: ignore[arg-type]
    assert 0 < len(text) <= TELEGRAM_LIMIT
    assert DIRECTORY.get(code).emergency_number in text
    assert "not a person" in text


@pytest.mark.parametrize(
    ("code", "kind", "must"),
    [("US", "medical", "1-800-222-1222"), ("US", "unsafe_home", "1-800-799-7233"),
     ("US", "self_harm", "988"), ("US", "self_harm", "741741"), ("GB", "child_at_risk", "0800 1111"),
     ("GB", "unsafe_home", "0808 2000 247"), ("AU", "medical", "13 11 26"), ("NZ", "child_at_risk", "0800 376 633"),
     ("IE", "unsafe_home", "1800 341 900"), ("ES", "unsafe_home", "016"), ("CA", "child_at_risk", "686868")],
)
def test_kind_specific_services(code: str, kind: str, must: str) -> None:
    assert must in compose_handoff(kind, code)  # type: ignore[arg-type]


def test_medical_puts_emergency_number_first() -> None:
    text = compose_handoff("medical", "US")
    assert text.index("911") < text.index("Poison")


def test_unknown_country_falls_back_and_asks() -> None:
    text = compose_handoff("self_harm", None)
    assert "findahelpline.com" in text and "/country" in text


def test_sos_lists_all_services() -> None:
    text = compose_resources("GB")
    for service in DIRECTORY.get("GB").services:
        assert service.service in text
    assert len(text) <= TELEGRAM_LIMIT


@pytest.mark.parametrize(("code", "country"), [("en-GB", "GB"), ("es-MX", "MX"), ("en-US", "US"), ("en", None),
                                               ("fr-FR", None), (None, None)])
def test_country_from_language_code(code: str | None, country: str | None) -> None:
    assert country_from_language_code(code) == country


def test_crisis_texts_exist() -> None:
    for key in ("safety_question", "answer_yes", "answer_no", "answer_unsure", "answer_no_reply", "followup_offer",
                "followup_message", "followup_confirmed", "followup_declined"):
        assert crisis_text(key)


def test_never_claims_to_be_a_person_or_therapist() -> None:
    texts = yaml.safe_load((RESOURCES_PATH.parent / "en" / "crisis.yml").read_text())
    blob = yaml.safe_dump(texts).lower()
    assert "i am a therapist" not in blob and "i'm a person" not in blob


def test_broken_file_names_the_country_and_field(tmp_path: Path) -> None:
    data = yaml.safe_load(RESOURCES_PATH.read_text())
    data["countries"]["GB"]["services"][0].pop("hours")
    path = tmp_path / "resources.yml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ValueError, match=r"GB: services\.0\.hours"):
        load_directory(path)


def test_likely_lines_group_countries_that_share_a_number() -> None:
    text = compose_handoff("self_harm", None)
    assert "US/CA" in text and "GB/IE" in text  # 988 and 116 123 each shown once
    assert text.count("116 123") == 1


@pytest.mark.parametrize("code", ["US", "CA", "GB", "IE", "AU", "NZ", "MX", "ES"])
def test_every_country_has_a_line_for_something_swallowed(code: str) -> None:
    line = DIRECTORY.get(code).poison_line()
    assert line is not None and line.serves("medical")
    assert line.contact().split(": ", 1)[1] in compose_handoff("medical", code)


def test_medical_handoff_opens_with_the_emergency_number() -> None:
    for code in ["US", "GB", "AU", None]:
        first = compose_handoff("medical", code).splitlines()[0]
        assert DIRECTORY.get(code if code else "US").emergency_number in first


def test_likely_countries_must_exist(tmp_path: Path) -> None:
    data = yaml.safe_load(RESOURCES_PATH.read_text())
    data["likely"]["en"].append("ZZ")
    path = tmp_path / "resources.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    with pytest.raises(ValueError, match="ZZ"):
        load_directory(path)
