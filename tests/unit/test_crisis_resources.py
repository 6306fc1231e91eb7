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
#: The issue's Spanish-speaking countries (issue 15): each must be there with every kind covered.
SPANISH = ["MX", "ES", "PR", "AR", "CO", "CL", "PE", "GT", "SV", "HN", "DO", "EC", "VE", "BO", "UY", "PY", "CR",
           "PA", "NI"]
LANGUAGES = ["en", "es"]
NOT_A_PERSON = {"en": "not a person", "es": "no una persona"}


def test_required_countries_present() -> None:
    assert set(REQUIRED + SPANISH) <= set(DIRECTORY.countries())


@pytest.mark.parametrize("code", REQUIRED + SPANISH)
def test_every_entry_is_complete(code: str) -> None:
    country = DIRECTORY.get(code)
    assert country.emergency_number and country.name
    for service in country.services:
        assert service.service and service.hours and service.last_verified and service.kinds
        assert service.call or service.text or service.web
    for kind in KINDS:
        assert country.for_kind(kind), f"{code} has no service for {kind}"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("code", REQUIRED + SPANISH + [None, "FR"])
@pytest.mark.parametrize("kind", KINDS)
def test_handoff_fits_and_names_emergency_number(code: str | None, kind: str, language: str) -> None:
    text = compose_handoff(kind, code, language)  # type: ignore[arg-type]
    assert 0 < len(text) <= TELEGRAM_LIMIT
    assert DIRECTORY.get(code, language).emergency_number in text
    assert NOT_A_PERSON[language] in text
    if DIRECTORY.has(code):  # the first line for the kind is shown
        assert DIRECTORY.get(code, language).for_kind(kind)[0].service in text


@pytest.mark.parametrize("kind", KINDS)
def test_a_spanish_speaker_in_the_us_gets_the_spanish_lines_instead_of_the_english(kind: str) -> None:
    text = compose_handoff(kind, "US", "es")  # type: ignore[arg-type]
    assert "Lifeline" not in text and "Crisis Text Line:" not in text and "call " not in text
    assert "llama al" in text or "envía" in text
    if kind == "self_harm":
        assert "988, opción 2" in text and "AYUDA" in text
    if kind == "medical":
        assert text.splitlines()[0] == "Llama ya a emergencias: 911." and "1-800-222-1222" in text


def test_an_english_speaker_never_sees_lines_meant_for_another_language() -> None:
    text = compose_resources("US", "en")
    assert "español" not in text and "988 Suicide & Crisis Lifeline" in text


def test_a_line_in_place_of_another_must_name_one_that_exists(tmp_path: Path) -> None:
    data = yaml.safe_load(RESOURCES_PATH.read_text())
    spanish = next(s for s in data["countries"]["US"]["services"] if s.get("for_language") == "es")
    spanish["instead_of"] = ["No Such Line"]
    path = tmp_path / "resources.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    with pytest.raises(ValueError, match="No Such Line"):
        load_directory(path)


def test_country_unknown_in_spanish_shows_the_likeliest_spanish_speaking_countries() -> None:
    text = compose_handoff("self_harm", None, "es")  # type: ignore[arg-type]
    for code, number in [("MX", "800 911 2000"), ("ES", "024"), ("US", "988")]:
        assert code in text and number in text
    assert "findahelpline.com" in text and "el número local de emergencias" in text
    assert "your local" not in text and "Anywhere else" not in text


@pytest.mark.parametrize(
    ("code", "kind", "must"),
    [("US", "medical", "1-800-222-1222"), ("US", "unsafe_home", "1-800-799-7233"),
     ("US", "self_harm", "988"), ("US", "self_harm", "741741"), ("GB", "child_at_risk", "0800 1111"),
     ("GB", "unsafe_home", "0808 2000 247"), ("AU", "medical", "13 11 26"), ("NZ", "child_at_risk", "0800 376 633"),
     ("IE", "unsafe_home", "1800 341 900"), ("ES", "unsafe_home", "016"), ("CA", "child_at_risk", "686868")],
)
def test_kind_specific_services(code: str, kind: str, must: str) -> None:
    assert must in compose_handoff(kind, code, "en")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("code", "kind", "must"),
    [("MX", "self_harm", "800 911 2000"), ("MX", "medical", "800 009 2800"), ("AR", "unsafe_home", "144"),
     ("CO", "child_at_risk", "141"), ("PE", "unsafe_home", "100"), ("UY", "self_harm", "0800 0767"),
     ("PR", "self_harm", "1-800-981-0023"), ("CL", "medical", "2635 3800")],
)
def test_spanish_speaking_countries_kind_specific_services(code: str, kind: str, must: str) -> None:
    assert must in compose_handoff(kind, code, "es")  # type: ignore[arg-type]


def test_medical_puts_emergency_number_first() -> None:
    text = compose_handoff("medical", "US", "en")
    assert text.index("911") < text.index("Poison")


@pytest.mark.parametrize("language", LANGUAGES)
def test_unknown_country_falls_back_and_asks(language: str) -> None:
    text = compose_handoff("self_harm", None, language)
    assert "findahelpline.com" in text and "/country" in text


@pytest.mark.parametrize(("code", "language"), [("GB", "en"), ("MX", "es"), ("US", "es")])
def test_sos_lists_all_services(code: str, language: str) -> None:
    text = compose_resources(code, language)
    for service in DIRECTORY.get(code, language).services:
        assert service.service in text
    assert len(text) <= TELEGRAM_LIMIT


@pytest.mark.parametrize(("code", "country"), [("en-GB", "GB"), ("es-MX", "MX"), ("en-US", "US"), ("en", None),
                                               ("fr-FR", None), (None, None)])
def test_country_from_language_code(code: str | None, country: str | None) -> None:
    assert country_from_language_code(code) == country


@pytest.mark.parametrize("language", LANGUAGES)
def test_crisis_texts_exist(language: str) -> None:
    for key in ("safety_question", "answer_yes", "answer_no", "answer_unsure", "answer_no_reply", "followup_offer",
                "followup_message", "followup_confirmed", "followup_declined", "contact.call", "contact.or"):
        assert crisis_text(key, language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_never_claims_to_be_a_person_or_therapist(language: str) -> None:
    texts = yaml.safe_load((RESOURCES_PATH.parent / language / "crisis.yml").read_text())
    blob = yaml.safe_dump(texts, allow_unicode=True).lower()
    for claim in ("i am a therapist", "i'm a person", "soy terapeuta", "soy una persona", "soy psicólog"):
        assert claim not in blob


def test_broken_file_names_the_country_and_field(tmp_path: Path) -> None:
    data = yaml.safe_load(RESOURCES_PATH.read_text())
    data["countries"]["GB"]["services"][0].pop("hours")
    path = tmp_path / "resources.yml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ValueError, match=r"GB: services\.0\.hours"):
        load_directory(path)


def test_likely_lines_group_countries_that_share_a_number() -> None:
    text = compose_handoff("self_harm", None, "en")
    assert "US/CA" in text and "GB/IE" in text  # 988 and 116 123 each shown once
    assert text.count("116 123") == 1


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("code", ["US", "CA", "GB", "IE", "AU", "NZ"] + SPANISH)
def test_every_country_has_a_line_for_something_swallowed(code: str, language: str) -> None:
    line = DIRECTORY.get(code, language).poison_line()
    assert line is not None and (line.serves("medical") or "all" in line.kinds)
    assert line.how(language) in compose_handoff("medical", code, language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_medical_handoff_opens_with_the_emergency_number(language: str) -> None:
    for code in ["US", "GB", "AU", "MX", "CO", None]:
        first = compose_handoff("medical", code, language).splitlines()[0]
        assert DIRECTORY.get(code if code else "US").emergency_number in first


def test_likely_countries_must_exist(tmp_path: Path) -> None:
    data = yaml.safe_load(RESOURCES_PATH.read_text())
    data["likely"]["en"].append("ZZ")
    path = tmp_path / "resources.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    with pytest.raises(ValueError, match="ZZ"):
        load_directory(path)


def test_the_audit_lists_every_line_and_what_is_due() -> None:
    from datetime import date

    from dialogues.crisis_resources import audit

    lines, due = audit(date(2026, 12, 3))
    assert len(lines) == sum(len(DIRECTORY.get(code).services) for code in DIRECTORY.countries())
    unverified = [line for line in lines if line.endswith("NEEDS VERIFICATION")]
    assert unverified and due == len(unverified)  # nothing is older than six months yet
    assert any(line.startswith("MX\tSINTOX") and "llama al 800 009 2800" in line for line in lines)
    later, due_later = audit(date(2027, 7, 1), only_due=True)
    assert due_later == len(lines) == len(later)  # every line is due once six months have passed


def test_tend_resources_exits_1_while_a_line_is_due(capsys) -> None:
    from bot.cli import main

    assert main(["resources", "--due"]) == 1
    out = capsys.readouterr()
    assert "NEEDS VERIFICATION" in out.out and "to verify before going live" in out.err
