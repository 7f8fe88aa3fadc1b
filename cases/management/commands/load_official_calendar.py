"""Store a year's official holiday schedule (the State Council's notice) from a small JSON file.

The file names the year, the notice, the days off and the make-up working days:
`{"year": 2026, "notice": "…", "days_off": [["2026-02-15", "春节"], …], "working_days": [["2026-02-14", "…"]]}`
(`cases/calendars/` holds the files of the years published so far). The year's stored days are
replaced by the file's, in one transaction; where the file agrees with `holidays.China` it
changes nothing, where it differs it wins.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from cases.reference_data import forget_on_change
from cases.sla import OfficialDay


def _days(document: dict[str, Any], key: str, year: int) -> list[tuple[dt.date, str]]:
    entries = document.get(key, [])
    if not isinstance(entries, list):
        raise CommandError(f"{key} must be a list of [date, name] pairs")
    days = []
    for entry in entries:
        if not (isinstance(entry, list) and len(entry) == 2 and all(isinstance(v, str) for v in entry)):
            raise CommandError(f"{key}: {entry!r} is not a [date, name] pair")
        try:
            day = dt.date.fromisoformat(entry[0])
        except ValueError as exc:
            raise CommandError(f"{key}: {entry[0]!r} is not a date (YYYY-MM-DD)") from exc
        if day.year != year:
            raise CommandError(f"{key}: {day} is not in {year}")
        days.append((day, entry[1]))
    return days


class Command(BaseCommand):
    help = "Store a year's official holiday schedule (days off and make-up working days) from a JSON file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)

    def handle(self, *args: Any, path: Path, **options: Any) -> None:
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CommandError(f"cannot read {path}: {exc}") from exc
        if not isinstance(document, dict) or not isinstance(document.get("year"), int):
            raise CommandError("the file must be an object with a whole-number year")
        year = document["year"]
        notice = str(document.get("notice", ""))[:200]
        off = _days(document, "days_off", year)
        working = _days(document, "working_days", year)
        both = {day for day, _ in off} & {day for day, _ in working}
        if both:
            raise CommandError(f"listed both as a day off and as a working day: {sorted(both)}")
        with transaction.atomic():
            OfficialDay.objects.filter(day__year=year).delete()
            OfficialDay.objects.bulk_create(
                [OfficialDay(day=day, working=False, name=name[:100], notice=notice) for day, name in off]
                + [OfficialDay(day=day, working=True, name=name[:100], notice=notice) for day, name in working]
            )
            forget_on_change()  # bulk_create announces no save
        self.stdout.write(f"Stored {len(off)} days off and {len(working)} working days for {year}.")
