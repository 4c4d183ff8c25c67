"""``bureau pledges``: list, show, money and stage from the console, with field errors."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError


def _run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("pledges", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_record_money_and_show_totals(project: Any, staff_az: Any) -> None:
    out, _ = _run("money", str(project.uid), "--kind", "disbursed", "--amount", "1700", "--currency", "AZN",
                  "--on", "2024-02-01", "--as", staff_az.email)  # fmt: skip
    assert "Recorded disbursed for Power plant" in out
    _run(
        "stage",
        str(project.uid),
        "--stage",
        "financing",
        "--on",
        "2024-03-01",
        "--as",
        staff_az.email,
    )
    out, _ = _run("show", str(project.pledge.uid))
    assert "disbursed  1,000.00 USD | 1,700.00 AZN | 278,580.72 PKR" in out
    assert "[financing]" in out
    assert str(project.pledge.uid) in _run("list")[0]


def test_bad_input_names_the_field_and_records_nothing(
    project: Any, staff_az: Any, member: Any
) -> None:
    with pytest.raises(CommandError, match="nothing was recorded"):
        out, err = StringIO(), StringIO()
        try:
            call_command("pledges", "money", str(project.uid), "--kind", "spent", "--as", staff_az.email,
                         stdout=out, stderr=err)  # fmt: skip
        finally:
            assert "kind: 'spent' is not one of: pledged, committed, disbursed" in err.getvalue()
    with pytest.raises(CommandError, match=r"only the recording chamber.s staff"):
        _run("money", str(project.uid), "--kind", "pledged", "--as", member.email)
