"""The fine ceiling of Art. 83 at its boundaries, Art. 83(3)'s cap, and the simplified procedure's caps."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from apps.outcomes.fines import Infringement, check_sanction, fine_ceiling, infringement_ceiling

M = Decimal("1000000")


def test_the_higher_of_the_fixed_amount_and_the_share_of_turnover():
    # 4 % tier: EUR 20M fixed; 4 % of 500M = 20M exactly, of 500M + 1 = a cent more.
    assert infringement_ceiling("83_5", 500 * M)[0] == 20 * M
    assert infringement_ceiling("83_5", 500 * M + 1)[0] == Decimal("20000000.04")
    assert infringement_ceiling("83_5", 100 * M)[0] == 20 * M  # 4 M < 20 M: the fixed amount
    assert infringement_ceiling("83_5", 2_000 * M)[0] == 80 * M  # 4 % of 2 bn
    # 2 % tier only: EUR 10M or 2 %.
    assert infringement_ceiling("83_4", 2_000 * M)[0] == 40 * M
    assert infringement_ceiling("83_4", 400 * M)[0] == 10 * M
    assert infringement_ceiling("83_4", None)[0] == 10 * M


def test_linked_infringements_are_capped_at_the_gravest_and_distinct_processing_adds_up():
    turnover = 2_000 * M
    same = [
        Infringement("RGPD art. 32", "83_4", "tiers payant"),
        Infringement("RGPD art. 5(1)(f)", "83_5", "Tiers payant"),
    ]
    assert fine_ceiling(same, turnover).amount == 80 * M  # not 40 M + 80 M
    distinct = [*same, Infringement("RGPD art. 30", "83_4", "ressources humaines")]
    ceiling = fine_ceiling(distinct, turnover)
    assert ceiling.amount == 120 * M
    assert any("83(3)" in line for line in ceiling.lines)


def test_a_fine_above_the_ceiling_is_refused_with_the_figures():
    ceiling = fine_ceiling([Infringement("RGPD art. 32", "83_4", "tp")], 100 * M)  # 10 M
    check_sanction(procedure="ordinary", fine=10 * M, ceiling=ceiling, penalty_per_day=None, published=True)
    with pytest.raises(ValidationError) as error:
        check_sanction(procedure="ordinary", fine=10 * M + 1, ceiling=ceiling, penalty_per_day=None, published=True)
    message = error.value.message_dict["fine"][0]
    assert "10\u202f000\u202f000 €" in message


def test_simplified_procedure_caps():
    ceiling = fine_ceiling([Infringement("RGPD art. 32", "83_4", "tp")], 100 * M)
    check_sanction(
        procedure="simplified", fine=Decimal("20000"), ceiling=ceiling, penalty_per_day=Decimal("100"), published=False
    )
    with pytest.raises(ValidationError) as error:
        check_sanction(
            procedure="simplified",
            fine=Decimal("20001"),
            ceiling=ceiling,
            penalty_per_day=Decimal("101"),
            published=True,
        )
    assert set(error.value.message_dict) == {"fine", "penalty_per_day", "published"}
    with pytest.raises(ValidationError) as error:
        check_sanction(
            procedure="ordinary", fine=None, ceiling=ceiling, penalty_per_day=Decimal("100001"), published=False
        )
    assert "penalty_per_day" in error.value.message_dict
