"""Property tests of the controlled vocabularies (demine.model.vocab)."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from demine.model.vocab import (
    AgeGroup,
    HazardStatus,
    ReleaseMethod,
    Sex,
    Vocabulary,
    age_group,
)

PROPERTY = settings(max_examples=200, deadline=None, database=None)


def all_vocabularies() -> list[type[Vocabulary]]:
    found: list[type[Vocabulary]] = []
    pending = list(Vocabulary.__subclasses__())
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return sorted(found, key=lambda c: c.__name__)


VOCABULARIES = all_vocabularies()
members = st.sampled_from(VOCABULARIES).flatmap(lambda cls: st.sampled_from(list(cls)))
blanks = st.text(alphabet=" \t\n\r", max_size=3)


def test_every_vocabulary_is_found() -> None:
    assert len(VOCABULARIES) > 10
    assert {HazardStatus, ReleaseMethod, Sex, AgeGroup} <= set(VOCABULARIES)


@PROPERTY
@given(members, st.data(), blanks, blanks)
def test_parse_ignores_case_and_surrounding_blanks(
    member: Vocabulary, data: st.DataObject, before: str, after: str
) -> None:
    flips = data.draw(st.lists(st.booleans(), min_size=len(member.value),
                               max_size=len(member.value)))
    text = "".join(c.swapcase() if f else c for c, f in zip(member.value, flips, strict=True))
    parsed = type(member).parse(before + text + after)
    assert parsed is member


@pytest.mark.parametrize("cls", VOCABULARIES, ids=lambda c: c.__name__)
def test_parse_upper_and_lower(cls: type[Vocabulary]) -> None:
    for member in cls:
        assert cls.parse(member.value.upper()) is member
        assert cls.parse(member.value.lower()) is member
        assert cls.parse(f"  {member.value.title()}\t") is member


@PROPERTY
@given(st.sampled_from(VOCABULARIES), st.text(max_size=20))
def test_parse_refuses_unknown_and_lists_the_choices(cls: type[Vocabulary], text: str) -> None:
    assume(text.strip().lower() not in {m.value.lower() for m in cls})
    with pytest.raises(ValueError) as caught:
        cls.parse(text)
    message = str(caught.value)
    assert repr(text.strip()) in message
    assert cls.label() in message
    assert f"(expected one of {cls.choices()})" in message
    for member in cls:
        assert member.value in message


def test_parse_error_message_reads_well() -> None:
    with pytest.raises(ValueError) as caught:
        HazardStatus.parse(" shut ")
    assert str(caught.value) == "unknown status 'shut' (expected one of open, worked_on, closed)"
    with pytest.raises(ValueError, match=r"unknown release method 'swept' \(expected one of "
                                         r"cancelled, reduced, cleared\)"):
        ReleaseMethod.parse("swept")


@pytest.mark.parametrize("cls", VOCABULARIES, ids=lambda c: c.__name__)
def test_choices_list_every_value_in_order(cls: type[Vocabulary]) -> None:
    assert cls.choices().split(", ") == [m.value for m in cls]


def test_parse_wants_the_whole_value() -> None:
    """A prefix, a near miss or nothing at all is not a match."""
    with pytest.raises(ValueError):
        HazardStatus.parse("worked")
    with pytest.raises(ValueError):
        HazardStatus.parse("worked on")
    with pytest.raises(ValueError):
        HazardStatus.parse("")


# --- sex-and-age disaggregation --------------------------------------------------------------

children = st.integers(0, 17)
adults = st.integers(18, 130)


@PROPERTY
@given(children)
def test_under_18_are_girls_and_boys(age: int) -> None:
    assert age_group(Sex.FEMALE, age) is AgeGroup.GIRLS
    assert age_group(Sex.MALE, age) is AgeGroup.BOYS


@PROPERTY
@given(adults)
def test_18_and_over_are_women_and_men(age: int) -> None:
    assert age_group(Sex.FEMALE, age) is AgeGroup.WOMEN
    assert age_group(Sex.MALE, age) is AgeGroup.MEN


def test_age_boundary_17_and_18() -> None:
    assert age_group(Sex.FEMALE, 17) is AgeGroup.GIRLS
    assert age_group(Sex.FEMALE, 18) is AgeGroup.WOMEN
    assert age_group(Sex.MALE, 17) is AgeGroup.BOYS
    assert age_group(Sex.MALE, 18) is AgeGroup.MEN
    assert age_group(Sex.FEMALE, 0) is AgeGroup.GIRLS


@PROPERTY
@given(st.one_of(st.none(), st.integers(0, 130)), st.sampled_from([None, Sex.UNKNOWN]))
def test_unknown_sex_is_unknown_group(age: int | None, sex: Sex | None) -> None:
    assert age_group(sex, age) is AgeGroup.UNKNOWN


@PROPERTY
@given(st.sampled_from([None, *Sex]))
def test_unknown_age_is_unknown_group(sex: Sex | None) -> None:
    assert age_group(sex, None) is AgeGroup.UNKNOWN


@PROPERTY
@given(st.sampled_from([Sex.FEMALE, Sex.MALE]), st.integers(0, 130))
def test_parsed_sex_gives_the_same_group(sex: Sex, age: int) -> None:
    """A sex read from a file (any case) classifies like the member itself."""
    assert age_group(Sex.parse(sex.value.upper()), age) is age_group(sex, age)
