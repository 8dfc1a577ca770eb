"""Statistics commands: stats, report, seed-demo, staffing."""

from __future__ import annotations

import argparse
import json
import sys

from contact_center.commands import engine_for
from contact_center.config import Settings
from contact_center.stats.params import PERIODS


async def cmd_stats(args: argparse.Namespace, settings: Settings) -> int:
    from contact_center.db.driver import driver_connection
    from contact_center.stats.db import read_snapshot
    from contact_center.stats.params import QueryError
    from contact_center.stats.rollups import rebuild_all
    from contact_center.stats.service import StatsUnavailable, summary_from_query

    engine = await engine_for(settings)
    try:
        if args.rebuild:
            async with driver_connection(engine) as conn:
                days = await rebuild_all(conn, settings.tz)
            print(f"rollups rebuilt: {days} days with records", file=sys.stderr)
            if not (args.date_from or args.date_to or args.period):
                return 0
        # The API's parameters (contact_center/stats/params.py), from the options of the same names.
        query = {name: value for name, value in (
            ("period", args.period), ("from", args.date_from), ("to", args.date_to), ("channel", args.channel),
            ("queue", args.queue), ("agent", args.agent), ("direction", args.direction), ("district", args.district),
        ) if value is not None}
        try:
            async with read_snapshot(engine) as conn:
                data = await summary_from_query(conn, settings, query)
        except QueryError as exc:
            print(f"--{exc.field}: {exc.message}", file=sys.stderr)
            return 2
        except StatsUnavailable:
            print("the rollups were never built: run `cc142 stats --rebuild` (or wait for the backend's refresher)",
                  file=sys.stderr)
            return 3
    finally:
        await engine.dispose()
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    c, ch = data["calls"], data["channels"]

    def pct(x: float | None) -> str:
        return "-" if x is None else f"{x * 100:.2f} %"

    print(f"{data['from']} .. {data['to']} ({data['timezone']})")
    print(f"all requests {ch['total']:,}: incoming calls {ch['incoming_calls']:,}, callbacks {ch['callbacks']:,}, "
          f"chatbot and social {ch['chatbot_and_social']:,}")
    print(f"answered {c['answered']:,} ({pct(c['answer_rate'])}), abandoned {c['abandoned']:,} "
          f"({pct(c['abandon_rate'])}), registered {c['registered']:,} ({pct(c['registered_rate'])})")
    print(f"ASA {c['asa_seconds']} s, wait median {c['wait_median_seconds']} s, p90 {c['wait_p90_seconds']} s, "
          f"AHT {c['aht_seconds']} s, service level {pct(c['service_level'])} within {c['service_level_seconds']} s")
    q = data["csat"]["calls"]
    print(f"call satisfaction (post-call survey) {pct(q['score'])} rated 4-5 of {q['responses']:,} ratings, "
          f"mean {q['mean'] if q['mean'] is not None else '-'}")
    print(f"chat CSAT {pct(data['csat']['score'])} of {data['csat']['responses']:,} ratings")
    return 0


async def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    from contact_center.stats.report.files import write_report
    from contact_center.stats.report.model import parse_month

    try:
        month = parse_month(args.month)
    except ValueError as exc:
        print(f"--month: {exc}", file=sys.stderr)
        return 2
    engine = await engine_for(settings)
    try:
        path = await write_report(engine, settings, month, args.format, args.out)
    finally:
        await engine.dispose()
    print(path)
    return 0


async def cmd_seed_demo(args: argparse.Namespace, settings: Settings) -> int:
    from contact_center.demo import seed_demo

    engine = await engine_for(settings)
    try:
        out = await seed_demo(engine, settings, days=args.days, years=args.years, seed=args.seed)
    finally:
        await engine.dispose()
    print(f"{out.calls:,} calls ({out.calls / max(out.seconds, 1e-9):,.0f} calls/s), "
          f"{out.registrations:,} registrations, {out.conversations:,} conversations, "
          f"{out.messages:,} messages, {out.callbacks:,} callbacks, {out.state_intervals:,} agent-state intervals "
          f"in {out.seconds:.1f} s")
    return 0


async def cmd_staffing(args: argparse.Namespace, settings: Settings) -> int:
    from datetime import date

    from contact_center.stats.db import read_snapshot
    from contact_center.stats.staffing import WEEKDAYS, staffing, staffing_plan

    options = {"target_sl": args.target_sl, "threshold": args.threshold, "shrinkage": args.shrinkage}
    if args.calls_per_hour is not None:
        if args.aht is None:
            print("--aht SECONDS is needed with --calls-per-hour", file=sys.stderr)
            return 2
        try:
            one = staffing(args.calls_per_hour, args.aht, **options)
        except ValueError as exc:
            print(exc, file=sys.stderr)
            return 2
        if args.json:
            print(json.dumps(one.as_dict()))
        else:
            print(f"traffic {one.traffic_erlangs} erlangs: {one.agents} agents "
                  f"({one.scheduled_agents} scheduled with {args.shrinkage:.0%} shrinkage), "
                  f"service level {one.service_level:.1%}, ASA {one.asa_seconds:.1f} s, "
                  f"occupancy {one.occupancy:.1%}")
        return 0
    if not (args.date_from and args.date_to):
        print("give --calls-per-hour and --aht, or --from and --to (a period of history)", file=sys.stderr)
        return 2
    try:
        date_from, date_to = date.fromisoformat(args.date_from), date.fromisoformat(args.date_to)
    except ValueError as exc:
        print(f"--from/--to: {exc}", file=sys.stderr)
        return 2
    engine = await engine_for(settings)
    try:
        async with read_snapshot(engine) as conn:
            plan = await staffing_plan(conn, settings.tz, date_from, date_to, **options)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    finally:
        await engine.dispose()
    if args.json:
        print(json.dumps(plan.as_dict(), ensure_ascii=False, indent=2))
        return 0
    print("needed/present agents by hour (Baku time); '-' where no calls came")
    if plan.days_off:
        print("days off left out: " + ", ".join(f"{d.day.isoformat()} {d.name}" for d in plan.days_off))
    print("     " + " ".join(f"{h:>5}" for h in range(24)))
    for dow in range(1, 8):
        cells = [plan.cell(dow, h) for h in range(24)]
        print(f"{WEEKDAYS[dow - 1]:<5}" + " ".join(
            f"{c.scheduled_agents:>2}/{c.agents_present:<2.0f}" if c.offered_per_hour else "    -" for c in cells))
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("stats", help="call-centre figures for local dates (the summary API's JSON)")
    p.add_argument("--period", choices=PERIODS, help="default: custom with --from/--to, else today")
    p.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD")
    p.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD")
    for name in ("channel", "queue", "agent", "direction", "district"):
        p.add_argument(f"--{name}")
    p.add_argument("--json", action="store_true", help="print GET /api/v1/stats/summary's JSON")
    p.add_argument("--rebuild", action="store_true", help="rebuild every rollup row from the records first")
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser("report", help="the monthly statistical overview (Statistik icmal) as a file")
    p.add_argument("--month", required=True, metavar="YYYY-MM")
    p.add_argument("--format", required=True, choices=["pdf", "xlsx", "csv"])
    p.add_argument("--out", help="file to write (default statistik-icmal-YYYY-MM.<pdf|xlsx|zip>)")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("seed-demo", help="generate realistic demo traffic (COPY), then build the rollups")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--days", type=int, help="the last N days (default 14)")
    g.add_argument("--years", type=int, help="the last N years")
    p.add_argument("--seed", type=int, default=142)
    p.set_defaults(func=cmd_seed_demo)

    p = sub.add_parser("staffing", help="Erlang C: the agents an hour needs (given figures, or every weekday x hour "
                                        "of a period's history)")
    p.add_argument("--calls-per-hour", type=float, metavar="X")
    p.add_argument("--aht", type=float, metavar="SECONDS", help="handling time per call (talk + wrap-up)")
    p.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD")
    p.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD")
    p.add_argument("--target-sl", type=float, default=0.8, help="share answered within the threshold (0.8)")
    p.add_argument("--threshold", type=float, default=20, help="seconds (20)")
    p.add_argument("--shrinkage", type=float, default=0.0, help="share of paid time not on the phones (0.3)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_staffing)
