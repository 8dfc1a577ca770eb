"""The monthly statistical overview ("Statistik icmal — aylıq") as one typed
structure. The printable page, the PDF, the XLSX and the CSV all render
`build_report()`'s result, so they always show the same figures.

Laid out after the call-centre 142 section of the agency's overview (seed
002): all requests by channel, incoming / answered / registered calls with
their rates and the same month a year earlier, registered calls by
direction, type, outcome (records office, investigation) and district with
the Baku / regions split, chatbot requests and their direction, line wait
and service times, citizen satisfaction, Facebook and Instagram messages
answered, callbacks; monthly and cumulative (since the first record).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import asyncpg

from contact_center.config import Settings
from contact_center.stats import facts
from contact_center.stats.filters import Filters
from contact_center.stats.query import snapshot
from contact_center.stats.rollups import month_end
from contact_center.stats.summary import build_summary, load_labels

MONTHS_AZ = ("yanvar", "fevral", "mart", "aprel", "may", "iyun", "iyul", "avqust", "sentyabr", "oktyabr",
             "noyabr", "dekabr")


def parse_month(raw: str | None) -> date:
    """YYYY-MM -> its first day, or ValueError."""
    try:
        year, month = (int(p) for p in (raw or "").split("-"))
        return date(year, month, 1)
    except ValueError:
        raise ValueError(f"month must be YYYY-MM, got {(raw or '')[:20]!r}") from None


@dataclass(frozen=True)
class Cell:
    value: int | float | None
    kind: str = "count"  # count | rate (fraction) | seconds | change (signed count) | mean (a rating 1..5) | text


@dataclass(frozen=True)
class Row:
    label: str
    cells: tuple[Cell, ...]
    emphasis: bool = False  # a total or headline row


@dataclass(frozen=True)
class Table:
    key: str  # stable id (CSV, anchors)
    title: str
    headers: tuple[str, ...]  # the first names the label column
    rows: tuple[Row, ...]
    note: str = ""


@dataclass(frozen=True)
class Headline:
    label: str
    value: Cell
    rate: Cell | None = None  # shown under the value, e.g. the answer rate


@dataclass(frozen=True)
class MonthlyReport:
    month: date
    period_from: date
    period_to: date
    cumulative_from: date
    timezone: str
    generated_at: datetime
    headlines: tuple[Headline, ...]
    tables: tuple[Table, ...]
    monthly: dict[str, Any] = field(repr=False)  # the summary JSON behind the figures
    cumulative: dict[str, Any] = field(repr=False)

    @property
    def title(self) -> str:
        return "Statistik icmal — aylıq"

    @property
    def period_label(self) -> str:
        return f"{self.period_from:%d.%m.%y} – {self.period_to:%d.%m.%y}"

    @property
    def month_label(self) -> str:
        return f"{self.month.year}, {MONTHS_AZ[self.month.month - 1]}"


def _n(v: Any) -> Cell:
    return Cell(v, "count")


def _r(v: Any) -> Cell:
    return Cell(v, "rate")


def _s(v: Any) -> Cell:
    return Cell(v, "seconds")


def _m(v: Any) -> Cell:
    return Cell(v, "mean")


_CHANGE_KINDS = {"count": "change", "rate": "rate_change", "seconds": "seconds", "mean": "mean_change"}


def _chg(yoy: dict[str, Any], kind: str) -> Cell:
    return Cell(yoy["change"], _CHANGE_KINDS[kind])


YOY_HEADERS = ("Göstərici", "Aylıq", "Ötən ilin analoji ayı", "Dəyişmə", "Kumulyativ")


def _yoy_row(label: str, m: dict[str, Any], sec: str, name: str, cum: Any, kind: str = "count",
             emphasis: bool = False) -> Row:
    y = m["yoy"][sec][name]
    cell = {"count": _n, "rate": _r, "seconds": _s, "mean": _m}[kind]
    return Row(label, (cell(y["current"]), cell(y["previous"]), _chg(y, kind), cell(cum)), emphasis)


def _breakdown_table(key: str, title: str, month_items: list[dict[str, Any]], cum_items: list[dict[str, Any]],
                     total_label: str, note: str = "") -> Table:
    cum = {i["code"]: i for i in cum_items}
    codes = [i["code"] for i in month_items] + [c for c in cum if c not in {i["code"] for i in month_items}]
    labels = {i["code"]: i["label"] for i in [*cum_items, *month_items]}
    month = {i["code"]: i for i in month_items}
    rows = [Row(labels[c], (_n(month.get(c, {}).get("count", 0)), _r(month.get(c, {}).get("share")),
                            _n(cum.get(c, {}).get("count", 0)), _r(cum.get(c, {}).get("share"))))
            for c in codes]
    rows.append(Row(total_label, (_n(sum(i["count"] for i in month_items)), _r(None),
                                  _n(sum(i["count"] for i in cum_items)), _r(None)), True))
    return Table(key, title, ("", "Aylıq", "Pay", "Kumulyativ", "Pay"), tuple(rows), note)


def _tables(m: dict[str, Any], c: dict[str, Any], settings: Settings) -> tuple[Table, ...]:
    mc, cc = m["calls"], c["calls"]
    tables: list[Table] = []
    tables.append(Table("requests", "Ümumi müraciət sayı", YOY_HEADERS, (
        _yoy_row("Daxil olan zənglər", m, "channels", "incoming_calls", c["channels"]["incoming_calls"]),
        _yoy_row("Əks-əlaqə zəngləri", m, "channels", "callbacks", c["channels"]["callbacks"]),
        _yoy_row("Çatbot və sosial şəbəkələr", m, "channels", "chatbot_and_social", c["channels"]["chatbot_and_social"]),
        _yoy_row("Cəmi müraciət", m, "channels", "total", c["channels"]["total"], emphasis=True),
    ), "Çatbot və sosial şəbəkələr: onlayn çat, Facebook və Instagram söhbətləri."))
    tables.append(Table("calls", "Cavablandırılan zənglər barədə məlumat", YOY_HEADERS, (
        _yoy_row("Daxil olmuş zəng sayı", m, "calls", "offered", cc["offered"], emphasis=True),
        _yoy_row("Cavablandırılan zəng sayı", m, "calls", "answered", cc["answered"]),
        _yoy_row("Cavablandırma faizi", m, "calls", "answer_rate", cc["answer_rate"], "rate"),
        _yoy_row("Qeydiyyata alınmış zəng sayı", m, "calls", "registered", cc["registered"]),
        _yoy_row("Qeydiyyat faizi (daxil olanlardan)", m, "calls", "registered_rate", cc["registered_rate"], "rate"),
        _yoy_row("Cavablandırılmamış zənglər", m, "calls", "abandoned", cc["abandoned"]),
        _yoy_row("Cavablandırılmama faizi", m, "calls", "abandon_rate", cc["abandon_rate"], "rate"),
        _yoy_row(f"Qısa (< {settings.short_abandon_seconds} san.) imtinalar çıxılmaqla", m, "calls",
                 "abandon_rate_excl_short", cc["abandon_rate_excl_short"], "rate"),
        _yoy_row(f"Xidmət səviyyəsi ({settings.service_level_seconds} san. ərzində)", m, "calls", "service_level",
                 cc["service_level"], "rate"),
    )))
    tables.append(_breakdown_table("directions", "Qeydiyyata alınan zənglərin istiqaməti", mc["by_direction"],
                                   cc["by_direction"], "Cəmi qeydiyyata alınmış"))
    tables.append(_breakdown_table("types", "Qeydiyyata alınmış zənglərin növü üzrə statistika", mc["by_type"],
                                   cc["by_type"], "Cəmi"))
    tables.append(_breakdown_table("outcomes", "Cavablandırma növü", mc["by_outcome"], cc["by_outcome"], "Cəmi"))
    mo = {i["code"]: i["count"] for i in mc["by_outcome"]}
    co = {i["code"]: i["count"] for i in cc["by_outcome"]}
    tables.append(Table("office_investigation", "Kargüzarlığa göndərilən və araşdırılması üçün qeydə alınan müraciətlər",
                        ("", "Aylıq", "Kumulyativ"), (
        Row("Kargüzarlığa göndərilən müraciətlər", (_n(mo.get("sent_to_office", 0)), _n(co.get("sent_to_office", 0)))),
        Row("Araşdırılması üçün qeydiyyata alınan müraciətlər",
            (_n(mo.get("investigation", 0)), _n(co.get("investigation", 0)))),
    )))
    tables.append(Table("areas", "Ölkə üzrə zənglər", ("", "Aylıq", "Kumulyativ"), (
        Row("Bakı", (_r(mc["baku_share"]), _r(cc["baku_share"]))),
        Row("Regionlar", (_r(mc["regions_share"]), _r(cc["regions_share"]))),
    ), "Qeydiyyata alınmış zənglərin rayonuna görə."))
    tables.append(_breakdown_table("districts", "Qeydiyyatda alınan zənglərin rayonlara görə statistikası",
                                   mc["by_district"], cc["by_district"], "Cəmi"))
    mh, ch = m["chats"], c["chats"]
    tables.append(Table("chatbot", "Çatbota daxil olan müraciətlər", ("", "Aylıq", "Kumulyativ"), (
        Row("Cəmi söhbətlər", (_n(mh["conversations"]["total"]), _n(ch["conversations"]["total"])), True),
        Row("Onlayn çat", (_n(mh["conversations"]["web_chat"]), _n(ch["conversations"]["web_chat"]))),
        Row("Facebook", (_n(mh["conversations"]["facebook"]), _n(ch["conversations"]["facebook"]))),
        Row("Instagram", (_n(mh["conversations"]["instagram"]), _n(ch["conversations"]["instagram"]))),
        Row("Çatbotun özü cavablandırdı", (_n(mh["bot_handled"]), _n(ch["bot_handled"]))),
        Row("Operatora yönləndirildi", (_n(mh["handed_off"]), _n(ch["handed_off"]))),
        Row("Çatbotda həll olunma faizi", (_r(mh["containment_rate"]), _r(ch["containment_rate"]))),
        Row("Operator cavabından əvvəl tərk edildi", (_n(mh["abandoned"]), _n(ch["abandoned"]))),
    )))
    tables.append(_breakdown_table("chatbot_directions", "Çatbota daxil olan müraciətlərin istiqaməti",
                                   mh["by_direction"], ch["by_direction"], "Cəmi"))
    tables.append(Table("times", "Vətəndaşların xətdə gözləmə və xidmətin göstərilmə müddəti üzrə orta göstəricilər",
                        YOY_HEADERS, (
        _yoy_row("Orta cavab gözləmə müddəti (ASA)", m, "calls", "asa_seconds", cc["asa_seconds"], "seconds"),
        _yoy_row("Xətdə orta gözləmə müddəti", m, "calls", "wait_mean_seconds", cc["wait_mean_seconds"], "seconds"),
        _yoy_row("Gözləmə müddətinin medianı", m, "calls", "wait_median_seconds", cc["wait_median_seconds"], "seconds"),
        _yoy_row("Gözləmə müddətinin 90-cı faizi", m, "calls", "wait_p90_seconds", cc["wait_p90_seconds"], "seconds"),
        _yoy_row("Orta xidmət müddəti (danışıq)", m, "calls", "aht_seconds", cc["aht_seconds"], "seconds"),
        Row("Çatda operatorun ilk cavabı (orta)", (_s(mh["first_response_seconds"]["mean"]),
                                                  _s(None),
                                                  _s(None), _s(ch["first_response_seconds"]["mean"]))),
    )))
    mq, cq = m["csat"], c["csat"]
    yq = m["yoy"]["csat"]
    # The call centre's figure as DOST reports it (the share of 4-5 ratings in the
    # post-call survey, and how many took part), then the chats as before.
    qc, yc, ccq = mq["calls"], yq["calls"], cq["calls"]
    tables.append(Table("csat", "Vətəndaş məmnunluğu", ("", "Aylıq", "Ötən ilin analoji ayı", "Kumulyativ"), (
        Row("Zəng mərkəzi üzrə vətəndaş məmnunluğu (4-5 bal)",
            (_r(qc["score"]), _r(yc["score"]["previous"]), _r(ccq["score"])), True),
        Row("Məmnunluq sorğusunda qiymət verən vətəndaşlar (zəng)",
            (_n(qc["responses"]), _n(yc["responses"]["previous"]), _n(ccq["responses"]))),
        Row("Orta bal (zəng, 1-5)", (_m(qc["mean"]), _m(yc["mean"]["previous"]), _m(ccq["mean"]))),
        Row("Çat üzrə məmnunluq (4-5 bal)", (_r(mq["score"]), _r(yq["score"]["previous"]), _r(cq["score"])), True),
        Row("Qiymətləndirmə sayı (çat)", (_n(mq["responses"]), _n(yq["responses"]["previous"]),
                                          _n(cq["responses"]))),
        *(Row(label, (_r(mq["by_channel"][k]["score"]), _r(None), _r(cq["by_channel"][k]["score"])))
          for k, label in (("web_chat", "Onlayn çat"), ("facebook", "Facebook"), ("instagram", "Instagram"))),
    ), "Zəng: zəngdən sonrakı IVR sorğusu (1-5 bal), zəngin günü üzrə; çat: söhbətin sonunda verilən qiymət."))
    ms, cs = mh["social"], ch["social"]
    tables.append(Table("social", "\"Facebook\" və \"Instagram\" səhifələrinin ismarıc bölməsinə daxil olan "
                        "müraciətlərin cavablandırılması", ("", "Aylıq", "Kumulyativ"), (
        Row("Facebook: daxil olan ismarıclar", (_n(ms["facebook"]["messages_received"]), _n(cs["facebook"]["messages_received"]))),
        Row("Facebook: cavablandırılan", (_n(ms["facebook"]["messages_answered"]), _n(cs["facebook"]["messages_answered"]))),
        Row("Instagram: daxil olan ismarıclar", (_n(ms["instagram"]["messages_received"]), _n(cs["instagram"]["messages_received"]))),
        Row("Instagram: cavablandırılan", (_n(ms["instagram"]["messages_answered"]), _n(cs["instagram"]["messages_answered"]))),
        Row("Onlayn çat vasitəsi ilə cavablandırma", (_n(mh["by_channel"]["web_chat"]["answered"]),
                                                     _n(ch["by_channel"]["web_chat"]["answered"]))),
    )))
    mb, cb = m["callbacks"], c["callbacks"]
    tables.append(Table("callbacks", "Əks-əlaqə zəngləri", ("", "Aylıq", "Kumulyativ"), (
        Row("Sorğular", (_n(mb["requested"]["total"]), _n(cb["requested"]["total"])), True),
        Row("Vətəndaşla əlaqə saxlanıldı", (_n(mb["reached"]), _n(cb["reached"]))),
        Row("Əlaqə saxlanıla bilmədi", (_n(mb["unreachable"]), _n(cb["unreachable"]))),
        Row("İlk cəhd vaxtında (SLA)", (_r(mb["within_sla_rate"]), _r(cb["within_sla_rate"]))),
        Row("Buraxılmış zənglərin bərpası", (_n(mb["recovered_abandons"]), _n(cb["recovered_abandons"]))),
    )))
    return tuple(tables)


async def build_report(conn: asyncpg.Connection, settings: Settings, month: date) -> MonthlyReport:
    """`conn` in one REPEATABLE READ transaction (stats.db.read_snapshot)."""
    tz = settings.tz
    labels = await load_labels(conn)
    snap = await snapshot(conn, tz)
    end = month_end(month)
    first = await facts.first_activity(conn, tz)
    cum_from = min(first, month) if first else month
    monthly = await build_summary(conn, settings, month, end, Filters(), labels=labels, snap=snap, with_agents=False)
    cumulative = await build_summary(conn, settings, cum_from, end, Filters(), labels=labels, snap=snap,
                                     with_yoy=False, with_agents=False)
    mc = monthly["calls"]
    headlines = (
        Headline("Daxil olmuş zəng sayı", _n(mc["offered"])),
        Headline("Cavablandırılan zəng sayı", _n(mc["answered"]), _r(mc["answer_rate"])),
        Headline("O cümlədən, qeydiyyata alınmış zəng sayı", _n(mc["registered"]), _r(mc["registered_rate"])),
        Headline("Zəng mərkəzi üzrə vətəndaş məmnunluğu", _r(monthly["csat"]["calls"]["score"])),
        Headline("Vətəndaş məmnunluğu (çat)", _r(monthly["csat"]["score"])),
    )
    return MonthlyReport(
        month=month, period_from=month, period_to=end, cumulative_from=cum_from, timezone=settings.timezone,
        generated_at=datetime.now(tz), headlines=headlines, tables=_tables(monthly, cumulative, settings),
        monthly=monthly, cumulative=cumulative,
    )
