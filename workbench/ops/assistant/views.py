"""What the assistant tools answer: each calls the use case a person's face calls and keeps a
summary and the key numbers; large results (bars, a backtest's trades and equity) are resource
links, ``workbench://bars/<symbol>?start=..&end=..`` and ``workbench://backtests/<id>``, read
in pages (``page_of``)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode, urlsplit

from workbench.core.errors import NotFound, ValidationError
from workbench.model.plain import to_plain
from workbench.ops import audit, data, monitor, report, strategy, trade
from workbench.ops.assistant.calls import Answer

if TYPE_CHECKING:
    from workbench.runtime import Runtime

__all__ = [
    "PAGE_ROWS",
    "REPORT_PAGE_CHARS",
    "account",
    "alerts",
    "audit_query",
    "audit_verify",
    "backtest",
    "backtest_result",
    "bars_summary",
    "coverage",
    "latest",
    "orders",
    "page_of",
    "positions",
    "quality",
    "strategies",
    "strategy_detail",
]

#: rows in one page of a resource
PAGE_ROWS = 40
#: characters of a report's text in one page
REPORT_PAGE_CHARS = 6000


def coverage(rt: Runtime) -> Answer:
    frame = data.coverage(rt)
    rows = to_plain(frame)
    symbols = sorted({row["symbol"] for row in rows if row.get("symbol")})
    return Answer(f"{len(symbols)} symbols in {len(rows)} dataset rows", rows)


def bars_summary(rt: Runtime, symbol: str, start: date | None, end: date | None) -> Answer:
    page = data.bars_page(rt, symbol, start=start, end=end, limit=1_000_000)
    bars = page.bars
    first, last = bars.iloc[0], bars.iloc[-1]
    close = bars["close"].astype(float)
    numbers = {
        "symbol": page.symbol,
        "bars": page.total,
        "first": to_plain(first["timestamp"]),
        "last": to_plain(last["timestamp"]),
        "first_close": float(first["close"]),
        "last_close": float(last["close"]),
        "return": float(last["close"]) / float(first["close"]) - 1,
        "high": float(bars["high"].max()),
        "low": float(bars["low"].min()),
        "mean_volume": float(bars["volume"].mean()),
        "daily_volatility": float(close.pct_change().std()),
    }
    link = _bars_link(
        page.symbol, to_plain(first["timestamp"])[:10], to_plain(last["timestamp"])[:10]
    )
    summary = (
        f"{page.symbol}: {page.total} bars {numbers['first'][:10]}..{numbers['last'][:10]}, "
        f"close {numbers['first_close']:.2f} -> {numbers['last_close']:.2f} "
        f"({numbers['return']:+.2%})"
    )
    return Answer(summary, numbers, [link], paging=f"read {link} in pages of {PAGE_ROWS} bars")


def latest(rt: Runtime, symbols: Sequence[str] | None) -> Answer:
    rows = to_plain(data.latest(rt, symbols))
    return Answer(f"the newest bar of {len(rows)} symbols", rows)


def quality(rt: Runtime, symbols: Sequence[str] | None) -> Answer:
    report = data.quality(rt, symbols=symbols)
    plain = to_plain(report)
    issues = plain.get("issues", []) if isinstance(plain, dict) else []
    return Answer(f"data quality of bars_1d: {len(issues)} issues", plain)


def strategies(rt: Runtime) -> Answer:
    found = strategy.strategies(rt)
    brief = [{k: s.get(k) for k in ("name", "kind", "description") if k in s} for s in found]
    return Answer(f"{len(found)} strategies: {', '.join(s['name'] for s in found)}", brief)


def strategy_detail(rt: Runtime, name: str) -> Answer:
    return Answer(f"strategy {name}", strategy.show(rt, name))


def backtest(
    rt: Runtime,
    name: str,
    symbols: Sequence[str],
    params: dict[str, Any] | None,
    start: date | None,
    end: date | None,
) -> Answer:
    result = strategy.backtest(rt, name, symbols, params=params, start=start, end=end)
    return _backtest_answer(result.to_dict())


def backtest_result(rt: Runtime, run_id: int) -> Answer:
    result = strategy.results(rt, run_id)
    if not hasattr(result, "to_dict"):
        raise ValidationError(f"run {run_id} has no result to show")
    return _backtest_answer(result.to_dict())


def _backtest_answer(plain: dict[str, Any]) -> Answer:
    plain = to_plain(plain)
    stats = plain.get("stats") or {}
    keys = ("total_return", "cagr", "sharpe", "max_drawdown", "annual_volatility")
    figures = {k: stats.get(k) for k in keys if isinstance(stats, dict)}
    run = plain.get("run_id")
    summary = (
        f"{plain.get('strategy')} on {', '.join(plain.get('symbols') or [])}: final equity "
        f"{plain.get('final_equity')}, {plain.get('trades')} trades, "
        + ", ".join(f"{k} {v:.4g}" for k, v in figures.items() if isinstance(v, int | float))
    )
    links = [f"workbench://backtests/{run}"] if run is not None else []
    return Answer(summary, plain, links, paging="read the backtest link page by page for trades")


def account(rt: Runtime) -> Answer:
    view = trade.account(rt)
    return Answer(
        f"{view.account}: equity {view.equity}, cash {view.cash}, state {view.trading_state}",
        view.to_dict(),
    )


def positions(rt: Runtime) -> Answer:
    held = trade.positions(rt)
    return Answer(f"{len(held)} open positions", held)


def orders(rt: Runtime, status: str, limit: int, offset: int) -> Answer:
    found = trade.orders(rt, status=status, limit=limit, offset=offset)
    return Answer(
        f"{len(found)} {status} orders from offset {offset}",
        found,
        paging=f"the next page: offset {offset + limit}",
    )


def alerts(rt: Runtime, state: str | None, limit: int) -> Answer:
    found = monitor.list_alerts(rt, state=state, limit=limit)
    return Answer(f"{len(found)} alerts", found)


def audit_verify(rt: Runtime) -> Answer:
    result = audit.verify(rt)
    verdict = "intact" if result.ok else "BROKEN"
    return Answer(f"audit chain {verdict}: {result.records} records", result)


def audit_query(
    rt: Runtime,
    kind: str | None,
    actor: str | None,
    start: date | None,
    end: date | None,
    limit: int,
) -> Answer:
    found = audit.records(rt, kind=kind, actor=actor, start=start, end=end, limit=limit)
    return Answer(f"{len(found)} audit records, newest first", found)


# -- resources --------------------------------------------------------------------------------
def _bars_link(symbol: str, start: str, end: str) -> str:
    return f"workbench://bars/{symbol}?{urlencode({'start': start, 'end': end})}"


def page_of(rt: Runtime, uri: str, page: int | None = None) -> str:
    """One page of a resource link as JSON: rows, the page number, how many pages, and the
    link to the next page (``&page=N``)."""
    parts = urlsplit(uri)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    number = int(query.pop("page", page or 1))
    if number < 1:
        raise ValidationError(f"page must be at least 1, got {number}")
    offset = (number - 1) * PAGE_ROWS
    if parts.netloc == "bars":
        symbol = parts.path.strip("/")
        start, end = _day(query.get("start")), _day(query.get("end"))
        got = data.bars_page(rt, symbol, start=start, end=end, limit=PAGE_ROWS, offset=offset)
        total, rows = got.total, to_plain(got.bars)
        base = _bars_link(got.symbol, str(start or ""), str(end or ""))
    elif parts.netloc == "backtests":
        run_id = _int(parts.path.strip("/"))
        got_records = strategy.run_records(rt, run_id, "trades", limit=offset + PAGE_ROWS)
        total, rows = got_records["total"], got_records["rows"][offset:]
        base = f"workbench://backtests/{run_id}?"
    elif parts.netloc == "reports":
        report_id = _int(parts.path.strip("/"))
        text = _report_text(rt, report_id)
        total = len(text)
        rows = [text[(number - 1) * REPORT_PAGE_CHARS : number * REPORT_PAGE_CHARS]]
        base = f"workbench://reports/{report_id}?"
        pages = max(1, -(-total // REPORT_PAGE_CHARS))
        more = number < pages
        return json.dumps(
            {
                "uri": uri,
                "page": number,
                "pages": pages,
                "chars_total": total,
                "text": rows[0],
                "next": f"{base}page={number + 1}" if more else None,
            }
        )
    else:
        raise NotFound(
            f"no resource {uri}: workbench://bars/..., workbench://backtests/... "
            "and workbench://reports/..."
        )
    pages = max(1, -(-total // PAGE_ROWS))
    more = number < pages
    answer = {
        "uri": uri,
        "page": number,
        "pages": pages,
        "rows_total": total,
        "rows": rows,
        "next": f"{base}{'&' if '=' in base else ''}page={number + 1}" if more else None,
    }
    return json.dumps(answer, default=str)


def _report_text(rt: Runtime, report_id: int) -> str:
    for made in report.reports(rt, limit=10_000):
        if made.id == report_id:
            path = Path(made.path)
            if path.is_dir():
                raise ValidationError(f"report {report_id} is a folder of tables, not one text")
            return path.read_text(errors="replace")
    raise NotFound(f"no report {report_id}")


def _day(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationError(f"a date is YYYY-MM-DD, got {text!r}") from None


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValidationError(f"a run id is a number, got {text!r}") from None
