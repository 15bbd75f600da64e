"""One workflow, market data -> analysis -> risk -> strategy -> orders -> monitoring -> report,
driven through each face on a fresh home of its own holding the same sample: the CLI (the
``workbench`` command in subprocesses), the REST API (real HTTP: uvicorn on a loopback port;
its backtest and report run as jobs on an in-process Dask cluster) and MCP (the SDK's client at
that server's ``/mcp``), and a fourth home driven by ``workbench.ops`` called directly.

Each face gives the same inputs in the same order, so the replayed paper book fills them alike:
the four homes must end with the same figures, the same ledger (orders, fills, positions, cash)
and the same report. Each face's own view of its orders is also the ledger's.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp import Client

from tests.integration.faces import (
    ThreadedApi,
    cli_json,
    cli_json_at_once,
    face_env,
    face_runtime,
    make_keys,
    mcp_call,
    mcp_session,
    order_facts,
)
from workbench.model import to_plain
from workbench.ops import analysis, audit, data, monitor, report, strategy, trade
from workbench.ops.portfolio import BookSpec, portfolio_risk
from workbench.runtime import Runtime
from workbench.testing import copy_lake

pytestmark = [
    pytest.mark.system,
    pytest.mark.requirement(
        "DAT-02",
        "ANA-03",
        "STR-02",
        "RSK-01",
        "EXE-01",
        "MON-04",
        "REP-02",
        "INT-03",
        "INT-06",
        "INT-09",
    ),
]

SYMBOL = "AAPL"
WEIGHTS = {"AAPL": 0.5, "MSFT": 0.5}
VALUE = 1_000_000.0
BACKTEST = {
    "name": "sma_crossover",
    "symbols": ["AAPL", "MSFT"],
    "params": {"fast": 10, "slow": 40},
    "start": "2015-01-01",
    "end": "2016-12-31",
}
#: sent in this order: a market buy (fills at the next open), a limit buy that fills at the
#: close, and a resting limit that is then canceled (order 3)
ORDERS: list[dict[str, Any]] = [
    {"symbol": "AAPL", "side": "buy", "qty": "10"},
    {"symbol": "MSFT", "side": "buy", "qty": "20", "type": "limit", "limit_price": "95"},
    {
        "symbol": "AAPL",
        "side": "buy",
        "qty": "5",
        "type": "limit",
        "limit_price": "155",
    },
]
CANCELED = "3"
RULE = {"name": "aapl-below-150", "kind": "price_below", "params": {"level": 150}, "scope": "AAPL"}
FACES = ("cli", "api", "mcp", "ops")


# -- the faces -------------------------------------------------------------------------------
def _historical_var_95(risk: dict[str, Any]) -> float:
    (row,) = [r for r in risk["var"] if r["method"] == "historical" and r["confidence"] == 0.95]
    return float(row["var_amount"])


def _backtest_figures(result: dict[str, Any]) -> dict[str, Any]:
    stats = result["stats"]
    return {
        "final_equity": result["final_equity"],
        "trades": result["trades"],
        "total_return": stats["total_return"],
        "sharpe": stats["sharpe"],
    }


def _through_the_cli(home: Path) -> dict[str, Any]:
    env = face_env(home)
    found: dict[str, Any] = {}
    weights = ",".join(f"{s}={w}" for s, w in WEIGHTS.items())
    params = ",".join(f"{k}={v}" for k, v in BACKTEST["params"].items())
    (bar,), rsi, risk, result = cli_json_at_once(
        env,
        ("data", "show", SYMBOL, "--tail", "1"),
        ("analyze", "indicators", SYMBOL, "--name", "RSI", "--params", "timeperiod=14",
         "--tail", "1"),
        ("analyze", "risk", "--weights", weights, "--value", str(VALUE)),
        ("strategy", "backtest", BACKTEST["name"], "--symbols", ",".join(BACKTEST["symbols"]),
         "--params", params, "--start", BACKTEST["start"], "--end", BACKTEST["end"]),
    )  # fmt: skip
    found["last_close"] = bar["close"]
    found["rsi"] = rsi["rows"][-1]["rsi"]
    found["var"] = _historical_var_95(risk)
    found["backtest"] = _backtest_figures(result)
    sent = []
    for order in ORDERS:
        options = [f"--{k.replace('_', '-')}={v}" for k, v in order.items() if k != "symbol"]
        sent.append(cli_json(env, "trade", "submit", order["symbol"], *options)["order"])
    found["sent"] = sent
    found["canceled"] = cli_json(env, "trade", "cancel", CANCELED)
    out = home.parent / f"{home.name}-holdings.json"
    found["rule"], found["orders"], made = cli_json_at_once(
        env,
        ("monitor", "rules", "add", RULE["name"], "--kind", RULE["kind"], "--scope",
         RULE["scope"], "--params", "level=150"),
        ("trade", "orders"),
        ("report", "generate", "holdings", "--format", "json", "--out", str(out)),
    )  # fmt: skip
    found["report"] = json.loads(Path(made["path"]).read_text())
    return found


def _wait_for_job(api: httpx.Client, job: dict[str, Any]) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while (state := api.get(f"/jobs/{job['id']}").json()["state"]) not in {
        "succeeded",
        "failed",
        "canceled",
    }:
        assert time.monotonic() < deadline, f"job {job['id']} still {state}"
        time.sleep(0.1)
    assert state == "succeeded", api.get(f"/jobs/{job['id']}").json()
    answer: dict[str, Any] = api.get(f"/jobs/{job['id']}/result").json()
    return answer


def _through_the_api(url: str, key: str) -> dict[str, Any]:
    found: dict[str, Any] = {}
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=f"{url}/api/v1", headers=headers, timeout=120) as api:

        def ok(answer: httpx.Response) -> Any:
            assert answer.is_success, answer.text
            return answer.json()

        (bar,) = ok(api.get("/market/latest", params={"symbols": SYMBOL}))
        found["last_close"] = bar["close"]
        rsi = ok(
            api.get(
                "/analysis/indicators/RSI",
                params={"symbols": SYMBOL, "params": "timeperiod=14", "tail": 1},
            )
        )
        found["rsi"] = rsi["rows"][-1]["rsi"]
        risk = ok(api.post("/analysis/risk", json={"book": {"weights": WEIGHTS, "value": VALUE}}))
        found["var"] = _historical_var_95(risk)
        body = {**BACKTEST, "strategy": BACKTEST["name"]}
        del body["name"]
        result = _wait_for_job(api, ok(api.post("/backtests", json=body)))
        found["backtest"] = _backtest_figures(result["result"])
        found["sent"] = [ok(api.post("/orders", json=order))["order"] for order in ORDERS]
        found["canceled"] = ok(api.delete(f"/orders/{CANCELED}"))
        found["rule"] = ok(api.post("/alert-rules", json=RULE))
        found["orders"] = ok(api.get("/orders"))
        made = _wait_for_job(
            api, ok(api.post("/reports", json={"kind": "holdings", "format": "json"}))
        )
        found["report"] = ok(api.get(f"/reports/{made['result_id']}"))
    return found


def _through_mcp(url: str, key: str) -> dict[str, Any]:
    async def work(client: Client) -> dict[str, Any]:
        found: dict[str, Any] = {}
        bars = await mcp_call(client, "market_bars_summary", symbol=SYMBOL)
        found["last_close"] = bars["last_close"]
        rsi = await mcp_call(
            client, "analysis_indicators", symbols=[SYMBOL], name="RSI",
            params={"timeperiod": 14}, tail=1,
        )  # fmt: skip
        found["rsi"] = rsi["last"][SYMBOL]["rsi"]
        risk = await mcp_call(client, "analysis_risk", weights=WEIGHTS, value=VALUE)
        found["var"] = _historical_var_95(risk)
        result = await mcp_call(client, "strategy_backtest", **BACKTEST)
        found["backtest"] = _backtest_figures(result)
        sent = []
        for order in ORDERS:
            token = (await mcp_call(client, "order_preview", **order))["confirmation_token"]
            answer = await mcp_call(client, "order_submit", confirmation_token=token, **order)
            sent.append(answer["order"])
        found["sent"] = sent
        found["canceled"] = await mcp_call(client, "order_cancel", reference=CANCELED)
        found["rule"] = await mcp_call(client, "alerts_create_rule", **RULE)
        found["orders"] = await mcp_call(client, "orders_list")
        made = await mcp_call(client, "reports_generate", kind="holdings")
        found["report"] = json.loads(Path(made["path"]).read_text())
        return found

    answer: dict[str, Any] = mcp_session(url, key, work)
    return answer


def _through_ops(home: Path) -> dict[str, Any]:
    found: dict[str, Any] = {}
    with face_runtime(home) as rt:
        latest = data.latest(rt, [SYMBOL])
        found["last_close"] = float(latest["close"].iloc[-1])
        rsi = analysis.indicators(rt, SYMBOL, "RSI", {"timeperiod": 14}, tail=1)
        found["rsi"] = to_plain(rsi.values)[-1]["rsi"]
        risk = portfolio_risk(rt, BookSpec(weights=WEIGHTS, value=VALUE))
        found["var"] = _historical_var_95(to_plain(risk.to_dict()))
        result = strategy.backtest(
            rt,
            BACKTEST["name"],
            BACKTEST["symbols"],
            params=BACKTEST["params"],
            start=date.fromisoformat(BACKTEST["start"]),
            end=date.fromisoformat(BACKTEST["end"]),
        )
        found["backtest"] = _backtest_figures(to_plain(result.to_dict()))
        found["sent"] = [
            to_plain(trade.submit(rt, trade.order_request(**o), actor="test:ops").order)
            for o in ORDERS
        ]
        found["canceled"] = to_plain(trade.cancel(rt, CANCELED, actor="test:ops"))
        found["rule"] = to_plain(monitor.add_rule(rt, **RULE, actor="test:ops"))
        found["orders"] = to_plain(trade.orders(rt))
        made = report.generate(rt, "holdings", fmt="json")
        found["report"] = json.loads(Path(made.path).read_text())
    return found


def _ledger(home: Path) -> dict[str, Any]:
    """The end state of a home's ledger, read by ``workbench.ops`` whoever wrote it."""
    with Runtime.from_settings(home=home, ledger_url=None) as rt:
        account = trade.account(rt)
        return {
            "orders": sorted(
                (o.id, tuple(order_facts(to_plain(o)).items())) for o in trade.orders(rt)
            ),
            "fills": [
                (f.order_id, f.symbol, f.side, f.qty, f.price, f.fee, f.filled_at)
                for f in trade.fills(rt)
            ],
            "positions": [to_plain(p) for p in trade.positions(rt)],
            "cash": account.cash,
            "equity": account.equity,
            "audit_ok": audit.verify(rt).ok,
        }


# -- the run, once per module -----------------------------------------------------------------
@pytest.fixture(scope="module")
def dask_inproc() -> Iterator[str]:
    """A Dask cluster in this process (threads): the API's jobs without worker processes."""
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=":0"
    ) as cluster:
        yield cluster.scheduler_address


@pytest.fixture(scope="module")
def runs(
    shared_sample_lake: Path, tmp_path_factory: pytest.TempPathFactory, dask_inproc: str
) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    # the packages the in-process faces load, loaded here first: two threads (a server's
    # and a job's, say) importing one package for the first time at once can see it
    # half-initialised (pandas: "partially initialized module")
    import pandas  # noqa: F401

    from workbench.strategy._vbt import vectorbt

    vectorbt()
    homes = {}
    for face in FACES:
        homes[face] = tmp_path_factory.mktemp(f"e2e-{face}")
        copy_lake(shared_sample_lake, homes[face] / "lake")
    api_key = make_keys(homes["api"])["trader"]
    mcp_key = make_keys(homes["mcp"])["trader"]
    api_runtime = Runtime.from_settings(
        home=homes["api"],
        ledger_url=None,
        api={"rate_limit": {"enabled": False}},
        jobs={"scheduler": dask_inproc},
    )
    servers = [ThreadedApi(api_runtime).start(), ThreadedApi(face_runtime(homes["mcp"])).start()]
    # the CLI's processes run beside the in-process faces (each face has its own home)
    with ThreadPoolExecutor(max_workers=1) as beside:
        cli_run = beside.submit(_through_the_cli, homes["cli"])
        try:
            found = {
                "api": _through_the_api(servers[0].url, api_key),
                "mcp": _through_mcp(servers[1].url, mcp_key),
                "ops": _through_ops(homes["ops"]),
            }
        finally:
            for server in servers:
                server.stop()
        found["cli"] = cli_run.result()
    return {face: (found[face], _ledger(homes[face])) for face in FACES}


def _each(runs: dict[str, Any], pick: Any) -> dict[str, Any]:
    return {face: pick(*runs[face]) for face in FACES}


def _agree(seen: dict[str, Any]) -> None:
    """Every face's value is the direct call's."""
    assert dict.fromkeys(FACES, seen["ops"]) == seen


# -- what must agree ---------------------------------------------------------------------------
def test_the_faces_read_the_same_market_data_analysis_and_risk(runs: dict[str, Any]) -> None:
    _agree(_each(runs, lambda found, _: found["last_close"]))
    _agree(_each(runs, lambda found, _: pytest.approx(found["rsi"], rel=1e-12)))
    _agree(_each(runs, lambda found, _: pytest.approx(found["var"], rel=1e-12)))
    assert runs["ops"][0]["last_close"] == 159.54  # the sample's last AAPL close


def test_the_faces_backtest_the_strategy_alike(runs: dict[str, Any]) -> None:
    _agree(_each(runs, lambda found, _: found["backtest"]))
    assert runs["ops"][0]["backtest"]["trades"] > 0


def test_the_faces_place_and_fill_the_orders_alike(runs: dict[str, Any]) -> None:
    sent = _each(runs, lambda found, _: [order_facts(o) for o in found["sent"]])
    _agree(sent)
    statuses = [o["status"] for o in sent["ops"]]
    assert statuses == ["filled", "filled", "accepted"], statuses
    _agree(_each(runs, lambda found, _: order_facts(found["canceled"])))
    assert runs["ops"][0]["canceled"]["status"] == "canceled"


def test_every_home_ends_with_the_same_ledger(runs: dict[str, Any]) -> None:
    ledgers = _each(runs, lambda _, ledger: ledger)
    _agree(ledgers)
    end = ledgers["ops"]
    assert end["audit_ok"]
    assert [(p["symbol"], p["qty"]) for p in end["positions"]] == [("AAPL", "10"), ("MSFT", "20")]
    spent = sum(qty * price for _, _, _, qty, price, _, _ in end["fills"])
    assert end["cash"] == Decimal(100_000) - spent


def test_each_face_lists_its_orders_as_the_ledger_holds_them(runs: dict[str, Any]) -> None:
    for face in FACES:
        found, ledger = runs[face]
        listed = sorted((o["id"], tuple(order_facts(o).items())) for o in found["orders"])
        assert listed == ledger["orders"], face


def test_the_faces_store_the_same_alert_rule(runs: dict[str, Any]) -> None:
    def rule(found: dict[str, Any], _: Any) -> tuple[Any, ...]:
        stored = found["rule"]
        levels = {k: float(v) for k, v in stored["params"].items()}
        return (stored["name"], stored["kind"], stored["scope"], stored["severity"], levels)

    _agree(_each(runs, rule))


def test_the_faces_report_the_same_figures(runs: dict[str, Any]) -> None:
    def figures(found: dict[str, Any], _: Any) -> Any:
        sections = found["report"]["sections"]
        return [
            (
                s["key"],
                {m["key"]: m["value"] for m in s["metrics"]},
                [(t["key"], t["rows"]) for t in s["tables"]],
            )
            for s in sections
        ]

    seen = _each(runs, figures)
    _agree(seen)
    (holdings,) = [s for s in seen["ops"] if s[0] == "holdings"]
    cash = float(runs["ops"][1]["cash"])
    assert holdings[1]["cash"] == pytest.approx(cash) and holdings[1]["positions"] == 2
