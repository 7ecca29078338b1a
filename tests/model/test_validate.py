"""Tests of the shared field checks (``rbac_kit.model._validate``)."""

# STYLE: tests read `assert expected == actual`

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rbac_kit import InvalidInput
from rbac_kit.model._validate import (
    _is_plain_email,
    _normalised_email,
    customer_id,
    email,
    entity_id,
    name,
    slug,
)

# -- slugs -------------------------------------------------------------------


@pytest.mark.parametrize("value", ["a", "acme", "payments-api", "v2", "a" * 63, "0-9"])
def test_slug_accepts_lower_case_letters_digits_and_inner_hyphens(value: str) -> None:
    """Valid slugs come back unchanged."""
    assert value == slug("api id", value)


@pytest.mark.parametrize(
    "value", ["", "Acme", "-acme", "acme-", "ac_me", "ac me", "a" * 64, "acme/x", "é"]
)
def test_slug_rejects_other_text_naming_field_and_value(value: str) -> None:
    """An invalid slug raises InvalidInput naming the field and the value."""
    with pytest.raises(InvalidInput) as caught:
        slug("api id", value)
    assert f"api id {value!r}" in str(caught.value)


@pytest.mark.parametrize("value", [None, 3, b"acme"])
def test_checks_reject_non_strings(value: object) -> None:
    """A value that is not a string is rejected, naming its type and value."""
    for check in (slug, entity_id, name, email, customer_id):
        with pytest.raises(InvalidInput) as caught:
            check("field", value)
        assert f"{type(value).__name__} {value!r}" in str(caught.value)


# -- ids ---------------------------------------------------------------------


@pytest.mark.parametrize("value", ["u1", "Ann", "ann.lee", "a_b-c", "9", "x" * 64])
def test_entity_id_accepts_letters_digits_and_separators(value: str) -> None:
    """Ids may hold letters of either case, digits, '_', '.' and '-'."""
    assert value == entity_id("user id", value)


@pytest.mark.parametrize("value", ["", "_a", ".a", "-a", "a b", "a:b", "a,b", "x" * 65])
def test_entity_id_rejects_other_text(value: str) -> None:
    """An id with a bad first character, a separator or too long is rejected by name."""
    with pytest.raises(InvalidInput) as caught:
        entity_id("user id", value)
    assert f"user id {value!r}" in str(caught.value)


# -- names -------------------------------------------------------------------


def test_name_is_trimmed() -> None:
    """Display names lose surrounding whitespace."""
    assert "Ann Lee" == name("user name", "  Ann Lee \n")


@pytest.mark.parametrize("value", ["", "   ", "\t\n"])
def test_empty_name_is_rejected(value: str) -> None:
    """A name that is empty once trimmed is rejected, naming the field."""
    with pytest.raises(InvalidInput, match="user name must not be empty"):
        name("user name", value)


def test_name_with_control_characters_is_rejected() -> None:
    """Control and format characters inside a name are rejected, naming the value."""
    with pytest.raises(InvalidInput, match="contains control characters") as caught:
        name("group name", "Ops\x00Team")
    assert repr("Ops\x00Team") in str(caught.value)
    with pytest.raises(InvalidInput, match="control"):
        name("group name", "Ops\u200bTeam")
    with pytest.raises(InvalidInput, match="control"):  # a lone surrogate cannot be stored
        name("group name", "Ops\ud800Team")


@given(st.text(max_size=12))
def test_customer_id_rejects_exactly_control_format_surrogate_and_line_separators(
    text: str,
) -> None:
    """Any character of category Cc, Cf, Cs, Zl or Zp is refused; every other one is kept.

    Other separators (a no-break space, an ideographic space) are ordinary text.
    """
    inner = f"x{text}x"  # never empty, never surrounded by whitespace
    rejected = {"Cc", "Cf", "Cs", "Zl", "Zp"}
    if any(unicodedata.category(ch) in rejected for ch in inner):
        with pytest.raises(InvalidInput, match="control characters"):
            customer_id("Customer ID", inner)
    else:
        assert inner == customer_id("Customer ID", inner)


def test_name_longer_than_200_characters_is_rejected() -> None:
    """Names are at most 200 characters; the message shows the start of the value."""
    assert "n" * 200 == name("role name", "n" * 200)
    with pytest.raises(InvalidInput, match="longer than 200") as caught:
        name("role name", "n" * 201)
    assert "nnnnnnnn" in str(caught.value)


# -- emails ------------------------------------------------------------------


def test_email_is_trimmed_and_its_domain_lower_cased() -> None:
    """The local part keeps its case; the domain is lower-cased; whitespace goes."""
    assert "Ann.Lee@example.com" == email("email", "  Ann.Lee@Example.COM \t")


# "ann@example.c0m" was refused by the hand-written check (a digit in the last
# label); email-validator accepts it, as DNS does: a TLD need only end with a letter.
@pytest.mark.parametrize(
    "value",
    ["ann", "ann@", "@example.com", "ann@example", "ann@@example.com", "an n@example.com",
     "ann@exa mple.com", "ann@-example.com", "ann@example.123", "ann@ab--cd.com",
     '"ann lee"@example.com', "Ann <ann@example.com>", "ann@[192.0.2.1]", "x" * 65 + "@x.io"],
)  # fmt: skip
def test_malformed_email_is_rejected_naming_it(value: str) -> None:
    """A malformed address raises InvalidInput with the field, the address and the reason."""
    with pytest.raises(InvalidInput, match="is not a valid email address: ") as caught:
        email("email", value)
    assert f"email {value.strip()!r}" in str(caught.value)


@pytest.mark.parametrize("value", [".ann@example.com", "ann.@example.com", "a..nn@example.com"])
def test_email_with_misplaced_dots_is_rejected(value: str) -> None:
    """Dots may not start, end or double up in the local part."""
    with pytest.raises(InvalidInput, match="period"):
        email("email", value)


@pytest.mark.parametrize("domain", ["corp.local", "tor.onion", "x.invalid", "in-addr.arpa"])
def test_email_on_a_special_use_domain_is_accepted_and_normalised(domain: str) -> None:
    """Internal directories use special-use names (``corp.local``), and stores written before
    email-validator hold them: they stay valid, normalised like any other address."""
    assert f"Ann@{domain}" == email("email", f"Ann@{domain.upper()}")


def test_email_on_a_special_use_domain_is_still_checked() -> None:
    """The special-use allowance does not let a malformed address through."""
    with pytest.raises(InvalidInput, match=r"not a valid email address: .*period"):
        email("email", "ann@localhost")
    with pytest.raises(InvalidInput, match="not a valid email address"):
        email("email", "ann..b@corp.local")


def test_email_on_the_test_domain_is_accepted() -> None:
    """``.test`` is the special-use name for tests (RFC 2606), so host apps' tests can use it."""
    assert "ann@acme.test" == email("email", "ann@acme.test")


def test_rejected_email_shows_at_most_100_characters_of_it() -> None:
    """A long bad value is cut in the message, whatever the reason."""
    value = "a" * 300 + "@" + "b" * 300
    with pytest.raises(InvalidInput) as caught:
        email("email", value)
    assert repr("a" * 100) + "..." in str(caught.value)
    assert "a" * 101 not in str(caught.value)
    assert len(str(caught.value)) < 300


# -- emails: internationalised addresses and normalisation --------------------------


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("用户@例子.广告", "用户@例子.广告"),
        ("José@Exämple.COM", "José@exämple.com"),
        ("ann@BÜCHER.de", "ann@bücher.de"),
    ],
)
def test_internationalised_email_is_accepted(given: str, kept: str) -> None:
    """Non-ASCII local parts and domains are valid; the domain is lower-cased."""
    assert kept == email("email", given)


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("ann@xn--bcher-kva.de", "ann@bücher.de"),  # IDNA: one domain, one spelling
        ("Jose\u0301@example.com", "Jos\u00e9@example.com"),  # Unicode NFC
        ("Postmaster@Example.com", "postmaster@example.com"),  # RFC 2142 role names
        ("  Ann.Lee@Example.COM ", "Ann.Lee@example.com"),
    ],
)
def test_email_is_kept_in_normal_form(given: str, kept: str) -> None:
    """The normalised address is what is kept, so two spellings of one address are equal."""
    assert kept == email("email", given)


_ATEXT = "A-Za-z0-9!#$%&'*+/=?^_`{|}~-"


@given(
    local=st.from_regex(rf"[{_ATEXT}]{{1,8}}(\.[{_ATEXT}]{{1,8}}){{0,2}}", fullmatch=True)
    | st.sampled_from(["Postmaster", "INFO", "x" * 64, "x" * 65, "a..b", "é"]),
    labels=st.lists(
        st.from_regex(r"[a-z0-9-]{1,6}", fullmatch=True)
        | st.sampled_from(["xn--bcher-kva", "ab--cd", "x" * 63, "x" * 64, "Ab", ""]),
        min_size=1,
        max_size=4,
    ),
    top=st.sampled_from(["com", "io", "c0m", "123", "a", "test", "local", "localhost", "onion"])
    | st.from_regex(r"[a-z0-9-]{1,6}", fullmatch=True),
)
def test_the_fast_path_accepts_only_what_email_validator_keeps_unchanged(
    local: str, labels: list[str], top: str
) -> None:
    """The fast path accepts only addresses email-validator accepts and returns unchanged.

    So skipping email-validator for them (for speed) changes no answer.
    """
    text = f"{local}@{'.'.join([*labels, top])}"
    if _is_plain_email(text):
        assert text == _normalised_email("email", text)


def test_email_keeps_plus_tags() -> None:
    """Plus addressing is valid and kept as given."""
    assert "Ann+Ops@example.co.uk" == email("email", "Ann+Ops@EXAMPLE.co.uk")


# -- Customer IDs ------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["ACME", "acme", "Big Co, Inc.", "x(1)%", "[1]", "a b", "Zürich", "a" * 255]
)
def test_customer_id_is_kept_exactly(value: str) -> None:
    """Customer IDs are case-sensitive and kept exactly as given, inner spaces included."""
    assert value == customer_id("Customer ID", value)


@pytest.mark.parametrize("value", [" ACME", "ACME ", "\tACME", "ACME\n", "\u00a0ACME"])
def test_customer_id_with_surrounding_whitespace_is_rejected(value: str) -> None:
    """Surrounding whitespace is an error (never trimmed silently), naming the value."""
    with pytest.raises(InvalidInput, match="surrounding whitespace") as caught:
        customer_id("Customer ID", value)
    assert repr(value) in str(caught.value)


@pytest.mark.parametrize(
    "value", ["AC\x00ME", "AC\x1bME", "AC\u200eME", "AC\u2028ME", "AC\ud800ME"]
)
def test_customer_id_with_control_characters_is_rejected(value: str) -> None:
    """Control characters anywhere in a Customer ID are rejected, naming the value."""
    with pytest.raises(InvalidInput, match="control characters") as caught:
        customer_id("Customer ID", value)
    assert repr(value) in str(caught.value)


def test_empty_customer_id_is_rejected() -> None:
    """A Customer ID cannot be empty."""
    with pytest.raises(InvalidInput, match="Customer ID must not be empty"):
        customer_id("Customer ID", "")


def test_customer_id_longer_than_255_characters_is_rejected() -> None:
    """Customer IDs are at most 255 characters; the message shows the start of the value."""
    with pytest.raises(InvalidInput, match="longer than 255") as caught:
        customer_id("Customer ID", "c" * 256)
    assert "cccccccc" in str(caught.value)
